"""Named implementations that a setting picks (spaCy's registry idea, without the config language).

A registry maps a name to an implementation: a head class, an annotator backend,
a blend schedule, a topic labeller. Implementations register where they are
defined::

    HEADS = Registry("head")

    @HEADS.register("crf")
    class CRFHead(...): ...

and the params schema (:mod:`nerlab.config.schema`) takes each setting's allowed
values from the registry's names, so adding an implementation is one class and
one decorator: no list of choices to edit anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Registry(dict):
    """``name -> implementation``, in registration order."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def register(self, name: str) -> Callable[[Any], Any]:
        def add(obj: Any) -> Any:
            if name in self:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self[name] = obj
            return obj

        return add
