"""DVC stage `llm_tagger`: the LLM as the tagger, scored on a held-out split (paper 000 config 10)."""
from nerlab.pipeline import llm_tagger
from nerlab.stage import main

main(llm_tagger.run, __doc__)
