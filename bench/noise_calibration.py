"""Does the noise annotator err like GPT-4 CoT? Its per-type precision/recall on paper 003's annotation sample.

The sample is the annotate stage's: the seeded partition (nerlab.data.pools) of the prepared CoNLL-2003 train
split (data/prepared/<dataset>, else prepared here into a temporary folder). The targets are params.yaml's
annotate.noise.target (Table 1's CoT column); each noise seed is one row.

    python bench/noise_calibration.py --seeds 0 1 2
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from nerlab.annotate.noise import perturb  # noqa: E402
from nerlab.config import paths  # noqa: E402
from nerlab.config.params import load_params  # noqa: E402
from nerlab.config.schema import validate  # noqa: E402
from nerlab.data.jsonl import read_split  # noqa: E402
from nerlab.data.pools import partition  # noqa: E402
from nerlab.data.prepare import prepare  # noqa: E402
from nerlab.evaluation.evaluator import evaluate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--dataset", default="conll2003")
    args = parser.parse_args()
    params = validate(load_params("params.yaml"))
    noise = params.annotate.noise
    with tempfile.TemporaryDirectory() as tmp:
        prepared = paths.prepared(args.dataset)
        if not (prepared / "train.jsonl").is_file():
            prepare(args.dataset, params.data, params.seed, Path(tmp))
            prepared = Path(tmp)
        train = read_split(prepared, "train")
    sample = partition(train, params.annotate.sample_size.of("noise"), params.teacher.size, params.seed)["sample"]
    gold = [r["tags"] for r in sample]
    target = noise.targets()
    types = sorted(target)
    print(f"{len(sample)} sentences of {args.dataset} (seed {params.seed}); boundary_share {noise.boundary_share}, "
          f"swap_share {noise.swap_share}")
    print("| | " + " | ".join(f"{t} P / R" for t in types) + " | micro-F1 | macro-F1 | max deviation |")
    print("|---|" + "---|" * (len(types) + 3))
    print(f"| {noise.name} | " + " | ".join(f"{target[t][0]:.2f} / {target[t][1]:.2f}" for t in types) + " | | | |")
    for seed in args.seeds:
        pred, _ = perturb(gold, target, noise.boundary_share, noise.swap_share, seed)
        s = evaluate(gold, pred)
        got = {t: (s["per_type"][t]["precision"], s["per_type"][t]["recall"]) for t in types}
        worst = max(abs(got[t][i] - target[t][i]) for t in types for i in (0, 1))
        print(f"| noise seed {seed} | " + " | ".join(f"{got[t][0]:.3f} / {got[t][1]:.3f}" for t in types)
              + f" | {s['micro_f1']:.3f} | {s['macro_f1']:.3f} | {worst:.3f} |")


if __name__ == "__main__":
    main()
