"""The training loop, on Hugging Face Accelerate (CPU, one GPU, or several with ``accelerate launch``), at
``precision`` fp32 or bf16 (autocast: :mod:`nerlab.models.transformer.precision`).

Per epoch: length-bucketed, dynamically padded batches; loss
``W * coarse + (1 - W) * scale * fine`` when an auxiliary head is on, and the
weighted token + sequence loss of a two-head model (:meth:`TokenTagger.loss`); dev
scores through the common evaluator; the checkpoint policy (``best`` dev
micro-F1 or ``last``). After every epoch the full training state (model,
optimizer, scheduler, RNG) is saved under ``state_dir``; a run killed halfway
and started again with the same settings resumes after the last finished epoch.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from pathlib import Path

import torch
from torch.profiler import record_function
from tqdm.auto import tqdm

from nerlab.config.errors import NerlabError
from nerlab.config.schema import Finetune, path_of, set_paths
from nerlab.evaluation.evaluator import evaluate
from nerlab.models.transformer.batching import LengthBucketBatches, collate, continuation_map
from nerlab.models.transformer.blending import Blend, BlendedBatches
from nerlab.models.transformer.precision import autocast
from nerlab.models.transformer.schedules import aux_weight, lr_factor
from nerlab.models.transformer.tagger import FinetunedTagger

log = logging.getLogger(__name__)


class TrainConfig(Finetune):
    """The training loop's settings: the (complete) ``finetune`` block, or a paper's ``train`` block laid over
    it, plus what the loop takes from elsewhere: the head's LR multiple (``head_lr_mult``), the learned loss
    weights' own LR (paper 002's uncertainty weighting) and the model seed. Built from checked params by
    :func:`train_config`; its rules live in the params schema."""

    head_lr_mult: float
    weighting_lr: float
    seed: int
    grad_clip: float = 1.0  # fixed, not a param


def train_config(ft: Finetune, head_lr_mult: float, weighting_lr: float, seed: int) -> TrainConfig:
    """``ft``'s values (each read once here) with the loop's extras; no second validation."""
    values = {name: getattr(ft, name) for name in Finetune.model_fields}
    cfg = TrainConfig.model_construct(**values, head_lr_mult=head_lr_mult, weighting_lr=weighting_lr, seed=seed)
    set_paths(cfg, path_of(ft))  # audited reads of the loop count as reads of the block it came from
    return cfg


def _param_groups(model, lr: float, head_mult: float, weight_decay: float,
                  weighting_lr: float = 0.01) -> list[dict]:
    heads = {id(p) for p in model.head_parameters()}
    groups: dict[tuple[bool, bool], list] = {}
    weighting = []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if name.startswith("weighting."):  # learned loss weights: no decay (it would pull them to 1:1)
            weighting.append(p)
            continue
        no_decay = p.ndim < 2 or "norm" in name.lower()
        groups.setdefault((id(p) in heads, no_decay), []).append(p)
    out = [{"params": ps, "lr": lr * (head_mult if is_head else 1.0),
            "weight_decay": 0.0 if no_decay else weight_decay, "name": ("head" if is_head else "encoder")}
           for (is_head, no_decay), ps in sorted(groups.items())]
    if weighting:
        out.append({"params": weighting, "lr": weighting_lr, "weight_decay": 0.0, "name": "weighting"})
    return out


def _adamw(groups: list[dict]) -> torch.optim.AdamW:
    """AdamW, fused where torch has a fused kernel for the device (CPU and CUDA: about 5x faster steps on CPU,
    the Hugging Face Trainer's default too); the plain implementation elsewhere."""
    try:
        return torch.optim.AdamW(groups, fused=True)
    except (RuntimeError, ValueError) as exc:  # e.g. a device or dtype without the fused kernel
        log.info("fused AdamW unavailable (%s); using the foreach implementation", exc)
        return torch.optim.AdamW(groups)


def fingerprint(*parts) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _sampler(examples: list, cfg: TrainConfig, sources: list[int] | None, blend: Blend | None):
    lengths = [len(e.input_ids) for e in examples]
    if blend is None:
        return LengthBucketBatches(lengths, cfg.batch_size, cfg.seed, cfg.bucket_pool)
    if sources is None:
        raise ValueError("a blend schedule needs the source (distilled/original) of every training sentence")
    return BlendedBatches(lengths, [e.sentence for e in examples], sources, blend, cfg.epochs, cfg.batch_size,
                          cfg.seed, cfg.bucket_pool)


def train(tagger: FinetunedTagger, cfg: TrainConfig, train_rows: list[dict], dev_rows: list[dict],
          out_dir: str | Path, state_dir: str | Path, run_key: str,
          on_epoch: Callable[[int, dict], None] = lambda epoch, metrics: None,
          sources: list[int] | None = None, blend: Blend | None = None) -> dict:
    """Train ``tagger`` in place; save the chosen checkpoint to ``out_dir``; return the history.

    With ``blend`` (and ``sources``: 0 distilled, 1 original for each of ``train_rows``),
    each epoch trains on the sentences the blend schedule draws (see :mod:`blending`).
    """
    from accelerate import Accelerator
    from accelerate.utils import set_seed

    set_seed(cfg.seed)
    out_dir, state_dir = Path(out_dir), Path(state_dir)
    cuda = torch.cuda.is_available()
    # the loop autocasts itself (precision.autocast): Accelerate's mixed_precision is process-wide state, and a
    # process may train at fp32 and at bf16 (a bench, the tests)
    accelerator = Accelerator(mixed_precision="no", cpu=not cuda)
    tagger.model.to(accelerator.device)
    tagger.precision = cfg.precision  # dev scoring runs as training does

    if not train_rows:
        raise NerlabError("no training sentences: a model trained on nothing is not saved "
                          "(check finetune.train_size / the partition and the train split)")
    examples = [e for per in tagger.encode(train_rows, with_labels=True) for e in per]
    sampler = _sampler(examples, cfg, sources, blend)
    loader = torch.utils.data.DataLoader(
        examples, batch_sampler=sampler,
        collate_fn=partial(collate, pad_id=tagger.pad_id, all_subwords=cfg.label_all_subwords,
                           continuation=continuation_map(tagger.space.tags),
                           coarse_continuation=continuation_map(tagger.space.coarse_tags)))
    epoch_ends = list(itertools.accumulate(sampler.epoch_sizes(cfg.epochs)))
    optimizer = _adamw(_param_groups(tagger.model, cfg.lr, cfg.head_lr_mult, cfg.weight_decay, cfg.weighting_lr))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, epoch_ends, cfg.warmup, cfg.lr_decay, cfg.lr_schedule))
    model, optimizer, loader, scheduler = accelerator.prepare(tagger.model, optimizer, loader, scheduler)

    key = fingerprint(run_key, cfg.model_dump(), len(examples), sources, blend and asdict(blend))
    progress_file = state_dir / "progress.json"
    history: list[dict] = []
    best, start_epoch = -1.0, 0
    if progress_file.is_file():
        progress = json.loads(progress_file.read_text())
        if progress.get("key") == key:
            accelerator.load_state(str(state_dir / "state"))
            history, best, start_epoch = progress["history"], progress["best"], progress["epoch"] + 1
            log.info("resuming after epoch %d of %d (state in %s)", start_epoch, cfg.epochs, state_dir)
        else:
            log.info("ignoring %s: it belongs to other settings", state_dir)
    has_aux = tagger.model.aux_head is not None
    weighting = tagger.model.weighting

    for epoch in range(start_epoch, cfg.epochs):
        loader.set_epoch(epoch)  # Accelerate's loader passes it on; it would otherwise count epochs itself
        weight = aux_weight(epoch, cfg.epochs, cfg.aux_schedule, cfg.aux_residual) if has_aux else 0.0
        model.train()
        start, seen, loss_sum = time.perf_counter(), 0, 0.0
        part_sums: dict[str, float] = {}
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{cfg.epochs}", unit="batch", leave=False)
        for batch in bar:  # the labels name the parts of a step for torch.profiler (bench/profile_epoch.py)
            with record_function("nerlab.forward"), autocast(accelerator.device, cfg.precision):
                loss, parts = accelerator.unwrap_model(model).loss(batch, weight, cfg.aux_scale)
            for name, value in parts.items():
                part_sums[name] = part_sums.get(name, 0.0) + value.item()
            with record_function("nerlab.backward"):
                accelerator.backward(loss)
            with record_function("nerlab.optimizer"):
                if cfg.grad_clip:
                    accelerator.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
            seen += batch["input_ids"].shape[0]
            loss_sum += loss.item()
            bar.set_postfix(loss=f"{loss.item():.3f}")
        seconds = time.perf_counter() - start
        record = {"epoch": epoch + 1, "train_loss": loss_sum / max(1, len(loader)), "aux_weight": weight,
                  "lr": scheduler.get_last_lr()[0], "epoch_seconds": seconds, "train_examples": seen,
                  "train_sentences_per_second": seen / max(seconds, 1e-9)}
        if len(part_sums) > 1:
            record.update({f"{name}_loss": total / max(1, len(loader)) for name, total in part_sums.items()})
        if weighting is not None:
            record.update(weighting.weights())
        if blend is not None:
            weights = blend.weights(epoch, cfg.epochs)
            record.update(w_distilled=weights[0], w_original=weights[1],
                          distilled_sentences=sampler.drawn[0], original_sentences=sampler.drawn[1])
        dev = None
        if cfg.dev_every and tagger.has_tags and ((epoch + 1) % cfg.dev_every == 0 or epoch == cfg.epochs - 1):
            dev_start = time.perf_counter()
            with record_function("nerlab.dev"):
                dev_pred = tagger.predict(dev_rows, cfg.eval_batch_size, progress=False)
            dev = evaluate([r["tags"] for r in dev_rows], dev_pred, tagger.space.coarse_map
                           if any("coarse_tags" in r for r in dev_rows[:1]) else None)
            record.update(dev_seconds=time.perf_counter() - dev_start, dev_micro_f1=dev["micro_f1"],
                          dev_macro_f1=dev["macro_f1"])
            if "coarse" in dev:
                record["dev_coarse_macro_f1"] = dev["coarse"]["macro_f1"]
        history.append(record)
        log.info("epoch %d/%d: loss %.4f%s (%.0f s, %.1f sentences/s)", epoch + 1, cfg.epochs, record["train_loss"],
                 f", dev micro-F1 {dev['micro_f1']:.4f} macro-F1 {dev['macro_f1']:.4f}" if dev else "", seconds,
                 record["train_sentences_per_second"])
        on_epoch(epoch + 1, record)
        improved = dev is not None and dev["micro_f1"] > best
        best = max(best, dev["micro_f1"]) if dev is not None else best
        if accelerator.is_main_process:
            if cfg.checkpoint == "best" and improved:  # kept with the state, so a resumed run still has it
                tagger.save(state_dir / "best", {"epoch": epoch + 1, "dev": dev})
            if epoch < cfg.epochs - 1:
                accelerator.save_state(str(state_dir / "state"))
                progress_file.write_text(json.dumps({"key": key, "epoch": epoch, "best": best, "history": history}))
            elif cfg.checkpoint == "last":
                tagger.save(out_dir, {"epoch": epoch + 1, "dev": dev})
    if accelerator.is_main_process:
        if cfg.checkpoint == "best" and (state_dir / "best").is_dir():
            shutil.rmtree(out_dir, ignore_errors=True)
            shutil.copytree(state_dir / "best", out_dir)
        shutil.rmtree(state_dir, ignore_errors=True)  # finished: nothing left to resume
    return {"history": history, "best_dev_micro_f1": best}
