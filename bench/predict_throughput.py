"""Benchmark: `nerlab predict` throughput on a large file, against the standard tools, in one run.

The file: CoNLL-2003 test as raw text (one sentence per line, its tokens joined by spaces), repeated
``--repeat`` times (default 10: 34,530 lines). Rows, each timed end to end on the same lines:

- ``nerlab predict --file F --format jsonl --precision P`` for each of ``--inference`` (the console command,
  a fresh process: loading included);
- the Hugging Face ``pipeline("token-classification", aggregation_strategy="first")`` on the same model
  exported with ``nerlab export`` (fp32: the standard tool as users run it), in this process, model loading
  excluded;
- spaCy (a speed reference only, not a quality one): ``en_core_web_sm`` when it is installed; offline it is
  not (the package is a GitHub download, not on PyPI), so the row is spaCy's own ``ner`` component (the
  transition-based parser with its default CNN tok2vec, the architecture ``en_core_web_sm``'s NER uses) on a
  blank English pipeline, initialised with the dataset's entity types and untrained: the same computation per
  word as the packaged model, not its predictions. Skipped with one line when spaCy is not installed
  (``pip install -r bench/requirements.txt``).

The model: ``--model DIR`` (an exportable nerlab model: linear or crf head, no word features), else one
trained here on ``--train`` seeded CoNLL sentences for one epoch (throughput does not depend on how well it
was trained). Prints sentences/s and the ratio to the HF pipeline.

    python bench/predict_throughput.py --repeat 10 --inference fp32 bf16 int8

Needs the prepared data (dvc repro fetch) under data/prepared/conll2003.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PREPARED = "data/prepared/conll2003"


def train_model(folder: Path, sentences: int, seed: int) -> Path:
    from nerlab.config.params import load_params
    from nerlab.config.schema import validate
    from nerlab.data.jsonl import read_json, read_split
    from nerlab.data.sampling import subset
    from nerlab.models.transformer.labels import LabelSpace
    from nerlab.models.transformer.recipe import Recipe

    params = validate(load_params())
    recipe = Recipe.from_params(params, seed)
    recipe = Recipe(recipe.encoder, recipe.spec.model_copy(update=dict(word_features="none", layers=1, blend="none",
                                                                       aux="none", context="none")),
                    recipe.cfg.model_copy(update=dict(epochs=1, checkpoint="last", dev_every=0)))
    rows = subset(read_split(PREPARED, "train"), sentences, seed)
    space = LabelSpace.from_labels_json(read_json(f"{PREPARED}/labels.json"))
    recipe.train_and_score(space, rows, [], model_dir=folder, state_dir=folder.parent / "state", run_key="bench")
    return folder


def hf_pipeline(exported: Path, texts: list[str], batch_size: int) -> float:
    from transformers import pipeline

    tagger = pipeline("token-classification", model=str(exported), aggregation_strategy="first", device=-1)
    start = time.perf_counter()
    for _ in tagger(texts, batch_size=batch_size):
        pass
    return time.perf_counter() - start


def spacy_ner(texts: list[str], types: list[str]) -> tuple[float, str] | None:
    try:
        import spacy
    except ImportError:
        return None
    try:
        nlp = spacy.load("en_core_web_sm", exclude=["tagger", "parser", "attribute_ruler", "lemmatizer",
                                                      "senter"])
        what = "en_core_web_sm (tok2vec + ner)"
    except OSError:
        nlp = spacy.blank("en")
        ner = nlp.add_pipe("ner")
        for t in types:
            ner.add_label(t)
        nlp.initialize()
        what = "spaCy ner, untrained, blank en (en_core_web_sm's NER architecture)"
    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=256):
        pass
    return time.perf_counter() - start, what


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="an exportable nerlab model folder (default: train one here)")
    parser.add_argument("--train", type=int, default=500, help="sentences for the model trained here")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--inference", nargs="+", default=["fp32", "bf16", "int8"], choices=("fp32", "bf16", "int8"))
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    import torch

    from nerlab.data.jsonl import read_json, read_split
    from nerlab.serving.export import export

    threads = len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    test = read_split(PREPARED, "test")
    texts = [" ".join(r["tokens"]) for r in test] * args.repeat
    types = sorted({t[2:] for t in read_json(f"{PREPARED}/labels.json")["tags"] if t != "O"})
    work = Path(tempfile.mkdtemp(prefix="nerlab-predict-bench-"))
    model = Path(args.model) if args.model else train_model(work / "model", args.train, args.seed)
    exported = work / "exported"
    export(model, exported)
    text_file = work / "input.txt"
    text_file.write_text("\n".join(texts) + "\n")
    rows = []
    hf_seconds = hf_pipeline(exported, texts, args.batch_size)
    rows.append(("HF pipeline, exported model (fp32)", hf_seconds))
    for precision in args.inference:
        start = time.perf_counter()
        out = subprocess.run([str(Path(sys.executable).parent / "nerlab"), "predict", "--model", str(model), "--file",
                              str(text_file), "--format", "jsonl", "--precision", precision],
                             capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if out.returncode != 0:
            sys.exit(f"nerlab predict ({precision}) failed: {out.stderr.strip()[-2000:]}")
        answered = len(out.stdout.splitlines())
        if answered != len(texts):
            sys.exit(f"nerlab predict ({precision}) answered {answered} lines for {len(texts)}")
        rows.append((f"nerlab predict --precision {precision} (process, loading included)", seconds))
    spacy_row = spacy_ner(texts, types)
    print(f"{len(texts)} lines (CoNLL-2003 test x {args.repeat}), {threads} threads, model {model}")
    print(f"{'what':72} {'seconds':>8} {'sent/s':>8} {'x HF':>6}")
    for what, seconds in rows + ([(spacy_row[1], spacy_row[0])] if spacy_row else []):
        print(f"{what:72} {seconds:8.1f} {len(texts) / seconds:8.1f} {hf_seconds / seconds:6.2f}")
    if spacy_row is None:
        print("spaCy: not installed (pip install -r bench/requirements.txt), row skipped")


if __name__ == "__main__":
    main()
