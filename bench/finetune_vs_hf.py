"""Benchmark: nerlab's finetune code vs the standard Hugging Face recipe, same encoder, data and settings.

The Hugging Face side is transformers' token-classification example:
AutoModelForTokenClassification + Trainer + DataCollatorForTokenClassification,
first subword labelled, the others -100, truncation at max_length. nerlab's
side is the finetune stage's code with the ``linear`` head (and, for the
record, the CRF heads). Each side runs in its own process (so peak memory is
its own) on a seeded subset of CoNLL-2003 train; both are scored on the full
test split by nerlab's evaluator.

    python bench/finetune_vs_hf.py --train 1000 --epochs 10
    python bench/finetune_vs_hf.py --train 1000 --epochs 1 --heads linear crf bilstm_crf
    python bench/finetune_vs_hf.py --train 1000 --epochs 10 --seeds 42 43 44   # F1 mean +- std
    python bench/finetune_vs_hf.py --train 1000 --epochs 2 --precisions fp32 bf16 --inference fp32 bf16 int8

Precisions: every side trains at each of ``--precisions`` (fp32, bf16 autocast: the HF Trainer's ``bf16=True``,
nerlab's ``finetune.precision``); nerlab's trained model is then scored at each of ``--inference`` (fp32, bf16,
int8: ``inference_precision``), the HF model at its training precision (the Trainer predicts under the same
autocast). Every row prints its ratios against HF at fp32 and against HF at HF's own best setting.

Prints seconds per epoch, inference sentences/s, peak RSS and test micro-F1,
and the ratios nerlab / HF (goal, issue 29: >= 2.5x per training epoch, >= 4x at inference).
Needs the prepared data (dvc repro fetch) under data/prepared/conll2003.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

PREPARED = "data/prepared/conll2003"


def load(args):
    from nerlab.data.jsonl import read_json, read_split
    from nerlab.data.sampling import subset

    train = subset(read_split(PREPARED, "train"), args.train, args.seed)
    return train, read_split(PREPARED, "test"), read_json(f"{PREPARED}/labels.json")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_nerlab(args, head: str, precision: str) -> dict:
    import torch

    from nerlab.config.params import load_params
    from nerlab.config.schema import validate
    from nerlab.evaluation.evaluator import evaluate
    from nerlab.models.transformer import encoders
    from nerlab.models.transformer.labels import LabelSpace
    from nerlab.models.transformer.model import TokenTagger
    from nerlab.models.transformer.recipe import Recipe
    from nerlab.models.transformer.tagger import FinetunedTagger
    from nerlab.models.transformer.train import train

    torch.set_num_threads(args.threads)
    train_rows, test_rows, labels = load(args)
    space = LabelSpace.from_labels_json(labels)
    tokenizer, encoder, _, _ = encoders.load(args.encoder)
    params = validate(load_params())
    recipe = Recipe.from_params(params, args.seed)  # params.yaml's settings, then this comparison's
    arch = recipe.spec.model_copy(update=dict(head=head, layers=1, blend="none", aux="none", word_features="none"))
    tagger = FinetunedTagger(TokenTagger(encoder, arch, space.tags, space.coarse_tags), tokenizer, space, args.max_length)
    cfg = recipe.cfg.model_copy(update=dict(
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, weight_decay=0.01, warmup=0.0,
        lr_schedule="linear", lr_decay=1.0, head_lr_mult=1.0, label_all_subwords=False, checkpoint="last",
        dev_every=1, seed=args.seed, bucket_pool=args.pool, precision=precision))
    model_dir = f"/tmp/nerlab-bench-model-{head}-{precision}"
    result = train(tagger, cfg, train_rows, train_rows[:1], model_dir, "/tmp/nerlab-bench-state", run_key="bench")
    inference = {}
    for infer_precision in args.inference:  # the saved (fp32) model, loaded to run at each inference precision
        scorer = FinetunedTagger.load(model_dir, device="cpu", precision=infer_precision)
        start = time.perf_counter()
        pred = scorer.predict(test_rows, args.eval_batch_size, progress=False)
        seconds = time.perf_counter() - start
        inference[infer_precision] = {"sentences_per_s": len(test_rows) / seconds,
                                      "test_micro_f1": evaluate([r["tags"] for r in test_rows], pred)["micro_f1"]}
    return {"impl": f"nerlab-{head}", "precision": precision,
            "seconds_per_epoch": sum(r["epoch_seconds"] for r in result["history"]) / args.epochs,
            "inference": inference, "peak_rss_mb": peak_mb()}


def run_hf(args, precision: str) -> dict:
    import numpy as np
    import torch
    from datasets import Dataset
    from transformers import (
        AutoModelForTokenClassification,
        AutoTokenizer,
        DataCollatorForTokenClassification,
        Trainer,
        TrainerCallback,
        TrainingArguments,
    )

    from nerlab.evaluation.evaluator import evaluate
    from nerlab.models.transformer import encoders

    torch.set_num_threads(args.threads)
    train_rows, test_rows, labels = load(args)
    tags = labels["tags"]
    index = {t: i for i, t in enumerate(tags)}
    path = encoders.resolve(args.encoder)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForTokenClassification.from_pretrained(path, num_labels=len(tags),
                                                            id2label=dict(enumerate(tags)), label2id=index)

    def tokenize(batch):
        enc = tokenizer(batch["tokens"], is_split_into_words=True, truncation=True, max_length=args.max_length)
        all_labels = []
        for i, word_tags in enumerate(batch["tags"]):
            previous, row = None, []
            for word in enc.word_ids(i):
                row.append(-100 if word is None or word == previous else index[word_tags[word]])
                previous = word
            all_labels.append(row)
        enc["labels"] = all_labels
        return enc

    columns = ["tokens", "tags"]
    train_ds = Dataset.from_list([{k: r[k] for k in columns} for r in train_rows]).map(
        tokenize, batched=True, remove_columns=columns)
    test_ds = Dataset.from_list([{k: r[k] for k in columns} for r in test_rows]).map(
        tokenize, batched=True, remove_columns=columns)

    epoch_times = []

    class Timer(TrainerCallback):
        def on_epoch_begin(self, *a, **k):
            self.t = time.perf_counter()

        def on_epoch_end(self, *a, **k):
            epoch_times.append(time.perf_counter() - self.t)

    training_args = TrainingArguments(
        output_dir="/tmp/hf-bench", per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.eval_batch_size, num_train_epochs=args.epochs, learning_rate=args.lr,
        weight_decay=0.01, save_strategy="no", eval_strategy="no", report_to=[], logging_strategy="no",
        seed=args.seed, use_cpu=not torch.cuda.is_available(), disable_tqdm=True, bf16=precision == "bf16")
    trainer = Trainer(model=model, args=training_args, train_dataset=train_ds,
                      data_collator=DataCollatorForTokenClassification(tokenizer), callbacks=[Timer()])
    trainer.train()
    start = time.perf_counter()
    logits = trainer.predict(test_ds).predictions
    infer = time.perf_counter() - start
    pred = []
    for i, row in enumerate(test_rows):
        ids = np.argmax(logits[i], -1)
        word_pred = ["O"] * len(row["tokens"])
        enc = tokenizer(row["tokens"], is_split_into_words=True, truncation=True, max_length=args.max_length)
        previous = None
        for pos, word in enumerate(enc.word_ids()):
            if word is not None and word != previous:
                word_pred[word] = tags[ids[pos]]
            previous = word
        pred.append(word_pred)
    scores = evaluate([r["tags"] for r in test_rows], pred)
    return {"impl": "hf-trainer", "precision": precision, "seconds_per_epoch": sum(epoch_times) / len(epoch_times),
            "inference": {precision: {"sentences_per_s": len(test_rows) / infer, "test_micro_f1": scores["micro_f1"]}},
            "peak_rss_mb": peak_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", default="minilm-l6")
    parser.add_argument("--train", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--eval-batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--seeds", type=int, nargs="+", help="repeat every implementation with these seeds")
    parser.add_argument("--threads", type=int, default=len(__import__("os").sched_getaffinity(0)))
    parser.add_argument("--heads", nargs="+", default=["linear"])
    parser.add_argument("--pool", type=int, default=50, help="nerlab: batches per length-sorting pool")
    parser.add_argument("--precisions", nargs="+", default=["fp32"], choices=("fp32", "bf16"),
                        help="training precisions (both sides)")
    parser.add_argument("--inference", nargs="+", default=["fp32"], choices=("fp32", "bf16", "int8"),
                        help="nerlab's inference precisions (each trained model is scored at each)")
    parser.add_argument("--impl", help=argparse.SUPPRESS)
    parser.add_argument("--precision", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.impl:
        result = run_hf(args, args.precision) if args.impl == "hf" else run_nerlab(args, args.impl, args.precision)
        print("RESULT " + json.dumps(result))
        return
    results = []
    for seed in args.seeds or [args.seed]:
        for precision in args.precisions:
            for impl in ["hf", *args.heads]:
                cmd = [sys.executable, __file__, "--impl", impl, "--precision", precision,
                       *_without_seeds(sys.argv[1:]), "--seed", str(seed)]
                out = subprocess.run(cmd, capture_output=True, text=True)
                line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
                if line is None:
                    sys.exit(f"{impl} ({precision}) failed:\n{out.stderr[-3000:]}")
                results.append(dict(json.loads(line[7:]), seed=seed))
    print(f"CoNLL-2003: {args.train} train sentences, {args.epochs} epochs, batch {args.batch_size}, "
          f"lr {args.lr}, encoder {args.encoder}, {args.threads} threads")
    print("ratios: against HF at fp32 | against HF at its best setting (its fastest training / inference row)")
    print(f"{'impl':18} {'seed':>5} {'train':>5} {'infer':>5} {'s/epoch':>8} {'infer sent/s':>12} {'peak MB':>8} "
          f"{'test F1':>8} {'train x':>8} {'infer x':>8} {'train xb':>8} {'infer xb':>8}")
    for r in results:
        hf = [h for h in results if h["impl"] == "hf-trainer" and h["seed"] == r["seed"]]
        hf32 = next(h for h in hf if h["precision"] == "fp32") if any(h["precision"] == "fp32" for h in hf) else hf[0]
        best_train = min(h["seconds_per_epoch"] for h in hf)
        best_infer = max(i["sentences_per_s"] for h in hf for i in h["inference"].values())
        hf32_infer = next(iter(hf32["inference"].values()))["sentences_per_s"]
        for infer_precision, inf in r["inference"].items():
            print(f"{r['impl']:18} {r['seed']:>5} {r['precision']:>5} {infer_precision:>5} "
                  f"{r['seconds_per_epoch']:8.1f} {inf['sentences_per_s']:12.1f} {r['peak_rss_mb']:8.0f} "
                  f"{inf['test_micro_f1']:8.4f} {hf32['seconds_per_epoch'] / r['seconds_per_epoch']:8.2f} "
                  f"{inf['sentences_per_s'] / hf32_infer:8.2f} {best_train / r['seconds_per_epoch']:8.2f} "
                  f"{inf['sentences_per_s'] / best_infer:8.2f}")
    if len(args.seeds or []) > 1:
        import statistics

        print("mean +- std over seeds " + " ".join(map(str, args.seeds)))
        keys = dict.fromkeys((r["impl"], r["precision"], p) for r in results for p in r["inference"])
        for impl, precision, infer_precision in keys:
            f1 = [r["inference"][infer_precision]["test_micro_f1"] for r in results
                  if r["impl"] == impl and r["precision"] == precision]
            print(f"{impl:18} {precision}/{infer_precision} test F1 {statistics.mean(f1):.4f} "
                  f"+- {statistics.stdev(f1):.4f}")


def _without_seeds(argv: list[str]) -> list[str]:
    out, skip = [], False
    for arg in argv:
        if arg in ("--seeds", "--seed", "--precisions"):
            skip = True
            continue
        if skip and not arg.startswith("--"):
            continue
        skip = False
        out.append(arg)
    return out


if __name__ == "__main__":
    main()
