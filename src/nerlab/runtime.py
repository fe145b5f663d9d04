"""The process around every stage and command: logging, threads, and the error boundary."""

from __future__ import annotations

import functools
import logging
import os
import sys

from nerlab.config.errors import NerlabError
from nerlab.config.params import audit_reads, load_params

log = logging.getLogger("nerlab")


def setup_logging() -> None:
    logging.basicConfig(level=os.environ.get("NERLAB_LOG", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    for noisy in ("accelerate", "alembic", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def thread_count() -> int:
    """The cores this process may use, or ``NERLAB_THREADS`` when set.

    Set it when several stages run at once (``dvc queue start -j 2`` on 2 cores wants
    ``NERLAB_THREADS=1``): oversubscribed torch threads busy-wait and run many times slower.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return int(os.environ.get("NERLAB_THREADS") or cores)


def use_all_cores() -> int:
    """Threads = :func:`thread_count` for every numeric library that reads these settings."""
    cores = thread_count()
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(cores) if "NERLAB_THREADS" in os.environ else os.environ.get(var, str(cores))
    if "torch" in sys.modules:  # already imported: tell it directly
        sys.modules["torch"].set_num_threads(cores)
    return cores


def entry(func):
    """Wrap a stage's main(): clear one-line errors (exit 1) instead of stack traces, exit 130 on Ctrl-C."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        setup_logging()
        use_all_cores()
        try:
            return func(*args, **kwargs)
        except NerlabError as err:
            log.error("%s", err)
            sys.exit(1)
        except KeyboardInterrupt:
            log.error("interrupted")
            sys.exit(130)

    return wrapper


def main(run, description: str = "", options: dict[str, str] | None = None) -> None:
    """The ``__main__`` of every stage module: parse its flags, validate params.yaml, call ``run`` with the
    typed :class:`~nerlab.config.schema.Params` (downstream code never sees the raw mapping)."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    for flag, text in (options or {}).items():
        parser.add_argument(flag, help=text)
    args = vars(parser.parse_args())

    def checked_run():
        from nerlab.config.schema import validate

        params = validate(load_params())  # every bad value, one line each, before any data, encoder or server
        audit_reads()
        return run(params, **{k: v for k, v in args.items() if v is not None})

    entry(checked_run)()
