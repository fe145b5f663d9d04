"""DVC stage `fetch`: read the dataset named by params `dataset` into data/prepared/<dataset>/."""
from nerlab.pipeline import fetch
from nerlab.stage import main

main(fetch.run, __doc__, {"--dataset": "prepare this dataset instead of params `dataset` (e.g. bbc_news)"})
