"""How good is a teacher trained on n gold sentences? Table 1 micro-F1 of the CRF teacher per teacher-pool size.

Trains the feature CRF (params.yaml's `crf` block) on teacher pools of the sizes given (the seeded
partition of nerlab.data.pools: the pool never overlaps the annotation sample) and scores its
annotations of the sample against gold with the common evaluator. Paper 003's GPT-4 cot annotations
scored micro-F1 0.73; the default `teacher.size` is chosen from this table.

    python bench/teacher_calibration.py --sizes 100 200 400 800 --sample 1000
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from nerlab.config import paths  # noqa: E402
from nerlab.config.params import load_params  # noqa: E402
from nerlab.config.schema import validate  # noqa: E402
from nerlab.data.jsonl import read_split  # noqa: E402
from nerlab.data.pools import partition  # noqa: E402
from nerlab.evaluation.evaluator import evaluate  # noqa: E402
from nerlab.models.crf.crfsuite import CRFTagger  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 200, 400, 800])
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--dataset", default="conll2003")
    args = parser.parse_args()
    params = validate(load_params("params.yaml"))
    seed = params.seed
    train = read_split(paths.prepared(args.dataset), "train")
    print("| teacher sentences | micro-F1 | macro-F1 | P | R | fit s |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        parts = partition(train, args.sample, size, seed)
        start = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            tagger = CRFTagger(params.crf, seed).fit(parts["teacher"], tmp)
            fit = time.perf_counter() - start
            s = evaluate([r["tags"] for r in parts["sample"]], tagger.predict(parts["sample"]))
        print(f"| {size} | {s['micro_f1']:.4f} | {s['macro_f1']:.4f} | {s['precision']:.4f} | {s['recall']:.4f} "
              f"| {fit:.0f} |", flush=True)


if __name__ == "__main__":
    main()
