"""DVC stage `topics`: LLM topic labels for CoNLL sentences (paper 002)."""
from nerlab.pipeline import topics
from nerlab.stage import main

main(topics.run, __doc__)
