"""Errors a user can act on. Stage entry points print them without a stack trace."""

from __future__ import annotations

from pathlib import Path


class NerlabError(Exception):
    """An error whose message tells the user what is wrong and what to do."""


class DataError(NerlabError):
    """Bad input data, located by file and line."""

    def __init__(self, path: str | Path, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")
