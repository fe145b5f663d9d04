"""Public sources for online users. Each downloader writes the files a catalog entry expects.

None of these runs offline; :mod:`nerlab.data.sources` tries them only when
local files are missing and the network is allowed.
"""

from __future__ import annotations

import shutil
import urllib.request
from pathlib import Path

CONLL2003_HUB = ("eriktks/conll2003", "refs/convert/parquet")
MULTICONER2_HUB = ("MultiCoNER/multiconer_v2", {"en-train.conll": "EN-English/en_train.conll",
                                                "en-dev.conll": "EN-English/en_dev.conll"})
BBC_URL = "http://mlg.ucd.ie/files/datasets/bbc-fulltext.zip"


def conll2003(target: Path) -> None:
    """The Hugging Face copy, written back as 4-column files (IOB2 tags, no document markers)."""
    from datasets import load_dataset

    repo, revision = CONLL2003_HUB
    data = load_dataset(repo, revision=revision)
    names = {key: data["train"].features[key].feature.names for key in ("pos_tags", "chunk_tags", "ner_tags")}
    for split, filename in (("train", "eng.train"), ("validation", "eng.testa"), ("test", "eng.testb")):
        with open(target / filename, "w", encoding="utf-8") as handle:
            for row in data[split]:
                for token, pos, chunk, ner in zip(row["tokens"], row["pos_tags"], row["chunk_tags"], row["ner_tags"]):
                    handle.write(f"{token} {names['pos_tags'][pos]} {names['chunk_tags'][chunk]} "
                                 f"{names['ner_tags'][ner]}\n")
                handle.write("\n")


def multiconer2(target: Path) -> None:
    """The gated Hugging Face repository (accept its terms and set HF_TOKEN first)."""
    from huggingface_hub import hf_hub_download

    repo, files = MULTICONER2_HUB
    for local, remote in files.items():
        shutil.copy(hf_hub_download(repo, remote, repo_type="dataset"), target / local)


def bbc_news(target: Path) -> None:
    with urllib.request.urlopen(BBC_URL, timeout=60) as response, open(target / "bbc-fulltext.zip", "wb") as out:
        shutil.copyfileobj(response, out)
