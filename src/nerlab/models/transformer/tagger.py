"""A fine-tuned tagger as one unit: encode sentences, predict tags, save and load.

Saved folder: ``encoder/`` (the encoder and its tokenizer, ``save_pretrained``),
``heads.pt`` (every non-encoder weight), ``tagger.json`` (architecture, label
space, alignment settings and the run's notes).

A model with a sequence head (paper 002) also gives each sentence a class:
:meth:`FinetunedTagger.analyse` returns tags and classes from one forward pass.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict
from pathlib import Path

import torch
from tqdm.auto import tqdm

from nerlab.config.errors import NerlabError
from nerlab.models import manifest
from nerlab.models.transformer import encoders
from nerlab.models.transformer.alignment import Aligner, Example, document_context, merge_windows
from nerlab.models.transformer.batching import collate, sorted_batches
from nerlab.models.transformer.labels import LabelSpace
from nerlab.models.transformer.model import TaggerSpec, TokenTagger
from nerlab.models.transformer.precision import autocast, is_quantized, quantize_encoder


class FinetunedTagger:
    def __init__(self, model: TokenTagger, tokenizer, space: LabelSpace, max_length: int = 128,
                 context: str = "none", max_context_sentences: int = 8, notes: list[str] | None = None,
                 attention: str = "bidirectional", precision: str = "fp32"):
        self.model = model
        self.precision = precision  # how analyse runs the model: fp32 | bf16 | int8 (see precision.py)
        self.tokenizer = tokenizer
        self.space = space
        self.max_length = max_length
        self.context = context
        self.max_context_sentences = max_context_sentences
        self.aligner = Aligner(tokenizer, max_length, context)
        self.notes = notes or []
        self.attention = attention
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    def encode(self, rows: list[dict], with_labels: bool) -> list[list[Example]]:
        """Examples per sentence (several when a long sentence is split into windows)."""
        out = []
        for i, row in enumerate(rows):
            left, right = (document_context(rows, i, self.max_context_sentences)
                           if self.context == "document" else ([], []))
            examples = self.aligner.encode(i, row["tokens"], left, right)
            if with_labels:
                fine = self.space.ids(row["tags"])
                coarse = self.space.coarse_ids(row["tags"])
                topic = self.space.topic_id(row["topic"]) if self.has_topics and row.get("topic") else -100
                for e in examples:
                    e.labels = [fine[w] for w in e.words]
                    e.coarse = [coarse[w] for w in e.words]
                    e.topic = topic
            out.append(examples)
        return out

    def collate(self, examples: list[Example]) -> dict:
        return collate(examples, self.pad_id)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def has_tags(self) -> bool:
        return self.model.head is not None

    @property
    def has_topics(self) -> bool:
        return self.model.topic_head is not None

    def analyse(self, rows: list[dict], batch_size: int = 64,
                progress: bool = True) -> tuple[list[list[str]] | None, list[str] | None]:
        """Tags per word (None without a token head) and a class per sentence (None without a sequence
        head), from one forward pass per batch. A sentence split into windows takes the class of the mean of
        its windows' probabilities."""
        per_sentence = self.encode(rows, with_labels=False)
        flat = [e for examples in per_sentence for e in examples]
        tags: dict[int, list[int]] = {}
        probs: dict[int, torch.Tensor] = {}
        self.model.eval()
        batches = sorted_batches([len(e.input_ids) for e in flat], batch_size)
        with torch.inference_mode(), autocast(self.device, self.precision):
            for batch_ids in tqdm(batches, desc="predict", unit="batch", disable=not progress, leave=False):
                batch = {k: v.to(self.device) for k, v in self.collate([flat[i] for i in batch_ids]).items()}
                out = self.model.decode(batch)
                for i, labels in zip(batch_ids, out.get("tags", [])):
                    tags[i] = labels
                for i, p in zip(batch_ids, out.get("topic_probs", [])):
                    probs[i] = p.cpu()
        tag_out, topic_out, k = [], [], 0
        for row, examples in zip(rows, per_sentence):
            window_ids = range(k, k + len(examples))
            k += len(examples)
            if self.has_tags:
                preds = [tags[i] for i in window_ids]
                ids = preds[0] if len(examples) == 1 else merge_windows(examples, preds, len(row["tokens"]))
                tag_out.append([self.space.tags[i] for i in ids])
            if self.has_topics:
                mean = torch.stack([probs[i] for i in window_ids]).mean(0)
                topic_out.append(self.space.topics[int(mean.argmax())])
        return (tag_out if self.has_tags else None), (topic_out if self.has_topics else None)

    def predict(self, rows: list[dict], batch_size: int = 64, progress: bool = True) -> list[list[str]]:
        if not self.has_tags:
            raise NerlabError("this model has only a sequence head (task 'sequence'): it predicts classes, "
                              "not tags (predict_topics)")
        return self.analyse(rows, batch_size, progress)[0]

    def predict_topics(self, rows: list[dict], batch_size: int = 64, progress: bool = True) -> list[str]:
        if not self.has_topics:
            raise NerlabError("this model has no sequence head: it predicts tags, not classes")
        return self.analyse(rows, batch_size, progress)[1]

    @property
    def labels(self) -> list[str]:
        """The tags this model can predict (its label space)."""
        return list(self.space.tags)

    def save(self, folder: str | Path, extra: dict | None = None) -> None:
        if is_quantized(self.model):
            raise NerlabError("an int8 tagger is for inference only: save the fp32 model it was quantized from")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        encoder = self.model.encoder
        if hasattr(encoder, "merge_and_unload"):  # LoRA: save merged weights, loadable without peft
            encoder = copy.deepcopy(encoder).merge_and_unload()
        encoder.save_pretrained(folder / "encoder")
        self.tokenizer.save_pretrained(folder / "encoder")
        heads = {k: v for k, v in self.model.state_dict().items() if not k.startswith("encoder.")}
        torch.save(heads, folder / "heads.pt")
        meta = {"architecture": self.model.arch.model_dump(), "labels": asdict(self.space),
                "max_length": self.max_length, "context": self.context,
                "max_context_sentences": self.max_context_sentences, "attention": self.attention,
                "notes": self.notes, **(extra or {})}
        (folder / "tagger.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        written = [p.relative_to(folder) for p in sorted((folder / "encoder").rglob("*")) if p.is_file()]
        manifest.write(folder, [*written, "heads.pt", "tagger.json"])

    @classmethod
    def load(cls, folder: str | Path, device: str | None = None, precision: str = "fp32") -> "FinetunedTagger":
        """The saved tagger, ready to predict at ``precision`` (fp32 | bf16 | int8; int8 quantizes the encoder's
        Linear layers of the loaded copy and runs on the CPU)."""
        from transformers import AutoModel, AutoTokenizer

        folder = Path(folder)
        if not (folder / "tagger.json").is_file():
            raise NerlabError(f"no fine-tuned model in {folder} (train it first: dvc repro finetune)")
        manifest.verify(folder)  # before torch and transformers read the weights
        try:
            meta = json.loads((folder / "tagger.json").read_text())
            tokenizer = AutoTokenizer.from_pretrained(folder / "encoder")
            encoder = AutoModel.from_pretrained(folder / "encoder")
            attention = meta.get("attention", "bidirectional")
            encoders.set_attention(encoder, attention)
            space = LabelSpace(**meta["labels"])
            model = TokenTagger(encoder, TaggerSpec(**meta["architecture"]), space.tags, space.coarse_tags,
                                space.topics)
            heads = torch.load(folder / "heads.pt", map_location="cpu", weights_only=True)  # never a pickle
            missing = model.load_state_dict(heads, strict=False)
        except manifest.DAMAGE as err:
            raise manifest.damaged(folder, err) from None
        if missing.unexpected_keys or any(not k.startswith("encoder.") for k in missing.missing_keys):
            raise NerlabError(f"{folder / 'heads.pt'} does not match {folder / 'tagger.json'}")
        if precision == "int8":
            device = "cpu"
        model.to(device or ("cuda" if torch.cuda.is_available() else "cpu")).eval()
        if precision == "int8":
            model.encoder = quantize_encoder(model.encoder)
        return cls(model, tokenizer, space, meta["max_length"], meta["context"], meta["max_context_sentences"],
                   meta.get("notes"), attention, precision)
