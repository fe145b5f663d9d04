"""Export a fine-tuned nerlab tagger as a standard transformers token-classification folder.

``nerlab export --model models/finetune --to DIR`` writes ``DIR`` so that
``AutoModelForTokenClassification.from_pretrained(DIR)`` and
``pipeline("token-classification", model=DIR, aggregation_strategy="first")``
work without nerlab: the fine-tuned encoder with the tagger's linear emission
layer as the model's classifier, the tokenizer, and ``id2label``/``label2id``.

What carries over exactly: the scores. nerlab reads each word's first subword,
and so does the exported model, so the exported logits at first subwords are
nerlab's emissions (tested). What a standard folder cannot hold:

- ``head: crf`` / the linear head's decoding: nerlab decodes with Viterbi
  (learned CRF transitions, or IOB2 validity for ``linear``); the exported model
  takes each word's most probable tag, which may begin an entity with ``I-``
  (the pipeline's aggregation starts an entity there). For ``linear`` this differs
  only where the best valid sequence is not the per-word argmax; for ``crf`` the
  learned transitions are lost (``export.json`` says so).
- Non-first subwords: nerlab never trained them, so the exported model's tags
  there are unsupervised; ``aggregation_strategy="first"`` (the word takes its
  first subword's tag) is the matching one, ``"simple"`` gives the same entities
  where a word's subwords agree.
- Refused, one-line error: ``bilstm_crf`` (a BiLSTM is not part of any standard
  class), ``layers`` > 1, ``blend`` concat/avg, ``context: document``, and
  sequence-only models (no token head). The auxiliary coarse head is dropped (it
  only shapes training).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import torch

from nerlab.config import paths
from nerlab.config.errors import NerlabError

log = logging.getLogger(__name__)

CLASSIFIER_NAMES = ("classifier", "score")  # BERT/RoBERTa/DeBERTa-style models; LLaMA-style (decoders)


def exportable(meta: dict) -> list[str]:
    """Why a saved tagger (its ``tagger.json``) cannot be exported; empty when it can."""
    arch = meta["architecture"]
    why = []
    if arch.get("task", "token") == "sequence":
        why.append("it has no token head (task: sequence)")
    if arch["head"] not in ("linear", "crf"):
        why.append(f"head {arch['head']!r} has layers no standard class holds (linear and crf export)")
    if int(arch.get("layers", 1)) != 1:
        why.append(f"it reads the last {arch['layers']} layers concatenated (export needs layers: 1)")
    if arch.get("blend", "none") != "none":
        why.append(f"blend {arch['blend']!r} mixes neighbouring words (export needs blend: none)")
    if arch.get("word_features", "none") != "none":
        why.append(f"word_features {arch['word_features']!r} adds inputs no standard class reads")
    if meta.get("context", "none") != "none":
        why.append("it reads document context (export needs context: none)")
    return why


def _classifier(model: torch.nn.Module) -> torch.nn.Linear:
    for name in CLASSIFIER_NAMES:
        layer = getattr(model, name, None)
        if isinstance(layer, torch.nn.Linear):
            return layer
    raise NerlabError(f"{type(model).__name__} has no linear classifier ({' or '.join(CLASSIFIER_NAMES)}); "
                      "this encoder family cannot be exported")


def score_gap(tagger, model, rows: list[dict] | None = None) -> float:
    """Largest absolute difference between nerlab's emissions and the exported model's logits at the words'
    first subwords, on ``rows`` (default: a probe sentence)."""
    rows = rows or [{"id": "probe", "tokens": ["Export", "checks", "Anna", "in", "New", "York", "."]}]
    examples = [e for per in tagger.encode(rows, with_labels=False) for e in per]
    batch = tagger.collate(examples)
    with torch.inference_mode():
        tagger.model.eval()
        hidden, _ = tagger.model.hidden(batch)
        ours = tagger.model.head.emissions(tagger.model.units(hidden, batch), batch["unit_mask"])
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        theirs = logits.gather(1, batch["unit_index"].unsqueeze(-1).expand(-1, -1, logits.shape[-1]))
        mask = batch["unit_mask"].bool()
        return float((ours[mask].float() - theirs[mask].float()).abs().max())


def export(model_dir: str | Path, out_dir: str | Path) -> dict:
    """Write the standard folder; returns what ``export.json`` records (source, head, what was lost)."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from nerlab.models.transformer.tagger import FinetunedTagger

    model_dir, out_dir = Path(model_dir), Path(out_dir)
    paths.check_replaceable(out_dir, protect=[model_dir])  # before any work: never over what nerlab did not write
    meta_path = model_dir / "tagger.json"
    if not meta_path.is_file():
        raise NerlabError(f"{model_dir}: no fine-tuned nerlab model (tagger.json); a CRF model (models/crf) "
                          "has no transformers form")
    meta = json.loads(meta_path.read_text())
    why = exportable(meta)
    if why:
        raise NerlabError(f"{model_dir} cannot be exported as a standard token-classification model: "
                          + "; ".join(why))
    tagger = FinetunedTagger.load(model_dir, device="cpu")
    labels = list(tagger.space.tags)
    model = AutoModelForTokenClassification.from_pretrained(
        model_dir / "encoder", num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)})
    proj = tagger.model.head.proj
    classifier = _classifier(model)
    if classifier.weight.shape != proj.weight.shape:
        raise NerlabError(f"{model_dir}: the head's emission layer {tuple(proj.weight.shape)} does not fit the "
                          f"classifier {tuple(classifier.weight.shape)}")
    with torch.no_grad():
        classifier.weight.copy_(proj.weight)
        if classifier.bias is not None:
            classifier.bias.copy_(proj.bias)
    model.config.classifier_dropout = meta["architecture"].get("dropout", 0.1)
    model.eval()
    gap = score_gap(tagger, model)
    if gap > 1e-3:
        raise NerlabError(f"{model_dir}: the exported model does not reproduce nerlab's scores (largest "
                          f"difference {gap:.2g}); its encoder family is not exportable this way")
    head = meta["architecture"]["head"]
    lost = ["non-first subwords were never trained: use aggregation_strategy='first'"]
    lost.append("the CRF's learned transitions and Viterbi decoding: each word takes its most probable tag"
                if head == "crf" else "IOB2-constrained decoding: each word takes its most probable tag")
    if meta["architecture"].get("aux", "none") != "none":
        lost.append("the auxiliary coarse head (training only)")
    record = {"source": str(model_dir), "head": head, "labels": labels, "lost": lost,
              "notes": meta.get("notes", []), "aggregation_strategy": "first"}

    def fill(folder: Path) -> None:
        model.save_pretrained(folder)
        AutoTokenizer.from_pretrained(model_dir / "encoder").save_pretrained(folder)
        (folder / "export.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")

    paths.write_folder(out_dir, fill, protect=[model_dir], command="nerlab export")
    log.info("exported %s (%s head, %d labels) to %s; lost: %s", model_dir, head, len(labels), out_dir,
             "; ".join(lost))
    return record
