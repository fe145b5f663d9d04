"""nerlab: a reproducible lab for named entity recognition."""

__version__ = "0.1.0"
