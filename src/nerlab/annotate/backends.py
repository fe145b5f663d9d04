"""Backends by name (param ``annotator``): ``local``, ``openai``, ``teacher`` -> an annotator, opened and closed.

``local`` and ``openai`` share one code path (the OpenAI-compatible chat
client); ``local`` first starts nerlab's llama.cpp server process and stops it
when the block ends. ``teacher`` is a trained nerlab model folder.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nerlab.annotate.annotator import TeacherAnnotator
from nerlab.annotate.client import ChatClient, ClientConfig
from nerlab.annotate.server import LocalConfig, local_server
from nerlab.errors import NerlabError

BACKENDS = ("local", "openai", "teacher")


@dataclass(frozen=True)
class BackendInfo:
    backend: str
    model: str  # what answers: the GGUF alias/path, the API model, or the teacher's folder

    def describe(self) -> str:
        return f"{self.backend}:{self.model}"


def info(annotator: str, cfg: dict) -> BackendInfo:
    if annotator not in BACKENDS:
        raise NerlabError(f"params.yaml: annotator must be one of {', '.join(BACKENDS)}, got {annotator!r}")
    model = {"local": lambda: cfg["local"]["model"], "openai": lambda: cfg["openai"]["model"],
             "teacher": lambda: cfg["teacher"]}[annotator]()
    return BackendInfo(annotator, str(model))


def _client_config(base_url: str, model: str, cfg: dict, api_key_env: str | None) -> ClientConfig:
    return ClientConfig(base_url=base_url, model=model, api_key_env=api_key_env, timeout=float(cfg["timeout"]),
                        max_retries=int(cfg["max_retries"]), backoff=float(cfg["backoff"]))


@contextlib.contextmanager
def open_client(annotator: str, cfg: dict, log_dir: str | Path) -> Iterator[ChatClient]:
    """The chat client of an LLM backend; for ``local`` the server runs while the block runs."""
    if annotator == "openai":
        o = cfg["openai"]
        yield ChatClient(_client_config(o["base_url"], o["model"], cfg, o.get("api_key_env") or None))
    elif annotator == "local":
        loc = cfg["local"]
        local = LocalConfig(model=str(loc["model"]), ctx_per_slot=int(loc["ctx_per_slot"]),
                            parallel=int(cfg["concurrency"]), threads=int(loc["threads"]),
                            startup_timeout=float(loc["startup_timeout"]))
        with local_server(local, Path(log_dir) / "llama-server.log") as base:
            yield ChatClient(_client_config(base, str(loc["model"]), cfg, None))
    else:
        raise NerlabError(f"annotator {annotator!r} is not an LLM backend")


def teacher(folder: str | Path) -> TeacherAnnotator:
    from nerlab.taggers import load_folder

    return TeacherAnnotator(load_folder(folder), str(folder))
