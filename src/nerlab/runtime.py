"""The process around every stage and command: logging, threads, and the error boundary."""

from __future__ import annotations

import functools
import logging
import os
import sys
import time
from pathlib import Path

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


VERBOSE_ENV = "NERLAB_VERBOSE"  # set (or pass -v): an unexpected error shows its traceback


def _unexpected(err: BaseException, name: str) -> str:
    """Keep the traceback of an error nerlab did not anticipate in a log file; the one line that names it."""
    import tempfile
    import traceback

    text = "".join(traceback.format_exception(err))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for folder in (Path("logs") / "errors", Path(tempfile.gettempdir()) / "nerlab-errors"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{stamp}-{name}-{os.getpid()}.log"
            path.write_text(f"{' '.join(sys.argv)}\n\n{text}")
            break
        except OSError:
            path = None
    where = f"the full traceback is in {path}" if path else "the traceback could not be written"
    summary = str(err).splitlines()[0][:300] if str(err) else ""
    return (f"unexpected error: {type(err).__name__}{': ' + summary if summary else ''}; {where}; "
            f"re-run with -v to see it")


def entry(func, name: str | None = None):
    """The error boundary of every stage and command: a :class:`NerlabError` prints its one line (exit 1),
    Ctrl-C exits 130, and any other exception prints one line naming it and the log file holding its
    traceback (exit 1); with ``-v`` (or ``NERLAB_VERBOSE=1``) the traceback is shown instead."""
    label = name or getattr(func, "__name__", "nerlab").strip("_") or "nerlab"

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
        except Exception as err:  # noqa: BLE001 (the boundary: nothing else may reach the user as a traceback)
            if os.environ.get(VERBOSE_ENV):
                raise
            log.error("%s", _unexpected(err, label))
            sys.exit(1)

    return wrapper


def main(run, description: str = "", options: dict[str, str] | None = None) -> None:
    """The ``__main__`` of every stage module: parse its flags, validate params.yaml, call ``run`` with the
    typed :class:`~nerlab.config.schema.Params` (downstream code never sees the raw mapping)."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    for flag, text in (options or {}).items():
        parser.add_argument(flag, help=text)
    parser.add_argument("-v", "--verbose", action="store_true", help="show the traceback of an unexpected error")
    args = vars(parser.parse_args())
    if args.pop("verbose"):
        os.environ[VERBOSE_ENV] = "1"

    def checked_run():
        from nerlab.config.schema import validate

        params = validate(load_params())  # every bad value, one line each, before any data, encoder or server
        audit_reads()
        return run(params, **{k: v for k, v in args.items() if v is not None})

    entry(checked_run, Path(sys.argv[0]).stem)()
