"""finetune stage: fine-tune a transformer tagger with paper 000's knobs; save it to models/finetune."""

from __future__ import annotations

import logging
import time

import torch

from nerlab import encoders, paths, plots, tracking
from nerlab.data.jsonl import read_json, read_split, write_json
from nerlab.data.sampling import subset
from nerlab.errors import NerlabError
from nerlab.finetune.labels import LabelSpace
from nerlab.finetune.model import Architecture, TokenTagger
from nerlab.finetune.tagger import FinetunedTagger
from nerlab.finetune.train import TrainConfig, train

log = logging.getLogger(__name__)

OFFLINE_ENCODER = "minilm-l6"
STATE_DIR = paths.MODELS / ".state" / "finetune"  # resumable training state; not a DVC output
ARCHITECTURE = ("head", "layers", "blend", "aux", "context", "head_lr_mult", "attention")


def recipe_params(params: dict, section: str, seed: int) -> dict:
    """The finetune-shaped params of a paper's fixed recipe (``params[section]``: ``encoder``,
    ``architecture`` with exactly the keys of :data:`ARCHITECTURE`, and ``train`` over the finetune block),
    used by the stages that train many models (distill, learning_curve, multitask)."""
    block = params[section]
    arch = block["architecture"]
    if set(arch) != set(ARCHITECTURE):
        raise NerlabError(f"params.yaml: {section}.architecture must set exactly {', '.join(ARCHITECTURE)}; "
                          f"got {', '.join(arch)}")
    return {**params, **arch, "seed": seed, "encoder": block["encoder"],
            "finetune": {**params["finetune"], **block.get("train", {})}}


def configs(params: dict) -> tuple[Architecture, TrainConfig]:
    try:
        return _configs(params)
    except (ValueError, KeyError) as err:
        raise NerlabError(f"params.yaml: bad finetune setting: {err}") from None


def _configs(params: dict) -> tuple[Architecture, TrainConfig]:
    ft = params["finetune"]
    heads = params.get("heads", {})  # paper 002's multitask settings (the multitask stage sets them)
    arch = Architecture(head=params["head"], layers=int(params["layers"]), blend=params["blend"], aux=params["aux"],
                        dropout=float(ft["dropout"]), lstm_hidden=int(ft["lstm_hidden"]),
                        task=heads.get("task", "token"), weighting=heads.get("weighting", "fixed"),
                        alpha=float(heads.get("alpha", 1.0)), beta=float(heads.get("beta", 1.0)))
    cfg = TrainConfig(epochs=int(ft["epochs"]), batch_size=int(ft["batch_size"]),
                      eval_batch_size=int(ft["eval_batch_size"]), lr=float(ft["lr"]),
                      weight_decay=float(ft["weight_decay"]), warmup=float(ft["warmup"]),
                      lr_schedule=ft["lr_schedule"], lr_decay=float(ft["lr_decay"]), head_lr_mult=float(params["head_lr_mult"]),
                      label_all_subwords=bool(ft["label_all_subwords"]), checkpoint=ft["checkpoint"],
                      aux_schedule=ft["aux_schedule"], aux_residual=float(ft["aux_residual"]),
                      aux_scale=float(ft["aux_scale"]), bf16=bool(ft["bf16"]),
                      bucket_pool=int(ft.get("bucket_pool", 50)), dev_every=int(ft.get("dev_every", 1)),
                      weighting_lr=float(heads.get("weighting_lr", 0.01)), seed=int(params["seed"]))
    return arch, cfg


def build_tagger(params: dict, arch: Architecture, space: LabelSpace, seed: int,
                 stands_in_for: str | None = None) -> tuple[FinetunedTagger, str, list[str]]:
    """A fresh tagger (encoder + seeded head) for ``params``; returns it, the encoder used and the notes that
    every output of the run repeats (a substituted encoder, an encoder standing in for the paper's)."""
    ft = params["finetune"]
    torch.manual_seed(seed)  # the heads are initialised before training starts: seed them too
    tokenizer, encoder, used, note = encoders.load(params["encoder"], OFFLINE_ENCODER if ft["encoder_fallback"] else None)
    attention = params.get("attention", "bidirectional")
    encoders.set_attention(encoder, attention)
    lora = ft.get("lora") or {}
    if int(lora.get("r", 0)) > 0:
        encoder = encoders.add_lora(encoder, int(lora["r"]), float(lora["alpha"]), float(lora["dropout"]),
                                    lora["target_modules"])
    notes = [note] if note else []
    if stands_in_for and used != stands_in_for:
        notes.append(f"{used} stands in for the paper's {stands_in_for}")
    for line in notes:
        log.warning("%s", line)
    tagger = FinetunedTagger(TokenTagger(encoder, arch, space.tags, space.coarse_tags, space.topics), tokenizer, space,
                             int(ft["max_length"]), params["context"], int(ft["max_context_sentences"]), notes,
                             attention)
    return tagger, used, notes


def run(params: dict) -> dict:
    dataset = params["dataset"]
    ft = params["finetune"]
    prepared = paths.prepared(dataset)
    threads = torch.get_num_threads()
    train_rows = subset(read_split(prepared, "train"), ft.get("train_size"), int(params["seed"]))
    dev_rows = read_split(prepared, "dev")
    space = LabelSpace.from_labels_json(read_json(prepared / "labels.json"))
    arch, cfg = configs(params)
    tagger, used, notes = build_tagger(params, arch, space, cfg.seed)
    tracked = {"dataset": dataset, "seed": params["seed"], "encoder": params["encoder"], "encoder_used": used,
               "head": params["head"], "layers": params["layers"], "blend": params["blend"], "aux": params["aux"],
               "head_lr_mult": params["head_lr_mult"], "context": params["context"],
               "attention": params.get("attention", "bidirectional"), "finetune": ft}
    model_dir = paths.MODELS / "finetune"
    with tracking.run(f"finetune:{dataset}", tracked, enabled=params.get("tracking", {}).get("enabled", True)) as ml:
        ml.tags({"encoder_used": used, "encoder_substituted": str(bool(notes))})
        start = time.perf_counter()
        result = train(tagger, cfg, train_rows, dev_rows, model_dir, STATE_DIR,
                       run_key=repr((dataset, tracked)),
                       on_epoch=lambda epoch, record: ml.metrics(record, step=epoch))
        history = result["history"]
        scored = [r for r in history if "dev_micro_f1" in r]  # the last epoch is always scored
        best = max(scored, key=lambda r: r["dev_micro_f1"]) if cfg.checkpoint == "best" else history[-1]
        summary = {"dataset": dataset, "encoder": params["encoder"], "encoder_used": used, "notes": notes,
                   "train_sentences": len(train_rows), "dev_sentences": len(dev_rows), "threads": threads,
                   "train_seconds": round(time.perf_counter() - start, 1),
                   "seconds_per_epoch": round(sum(r["epoch_seconds"] for r in history) / len(history), 2),
                   "train_sentences_per_second": round(sum(r["train_sentences_per_second"] for r in history)
                                                       / len(history), 1),
                   "checkpoint_epoch": best["epoch"], "dev_micro_f1": best.get("dev_micro_f1"),
                   "dev_macro_f1": best.get("dev_macro_f1")}
        if tagger.aligner.long_words:
            summary["words_longer_than_max_length"] = tagger.aligner.long_words
        write_json(paths.METRICS / "finetune.json", summary)
        curve = paths.PLOTS / "finetune"
        plots.write_rows(curve / "learning_curve.json", scored)
        epochs = [r["epoch"] for r in history]
        plots.lines(curve / "learning_curve.png", [r["epoch"] for r in scored],
                    {"dev micro-F1": [r["dev_micro_f1"] for r in scored],
                     "dev macro-F1": [r["dev_macro_f1"] for r in scored]},
                    f"{used} ({params['head']}) on {dataset}: dev F1 per epoch", "epoch", "F1")
        plots.lines(curve / "schedule.png", epochs,
                    {"learning rate (encoder, end of epoch)": [r["lr"] for r in history],
                     **({"aux weight W": [r["aux_weight"] for r in history]} if arch.aux != "none" else {})},
                    "schedules", "epoch", "value")
        ml.metrics({k: v for k, v in summary.items() if isinstance(v, (int, float))}, prefix="summary")
        ml.artifact(curve / "learning_curve.png")
        ml.artifact(model_dir / "tagger.json")
    return summary
