"""DVC stage `annotate`: an LLM (or teacher) annotates seeded training sentences; Table 1; the distilled set."""
from nerlab.pipeline import annotate
from nerlab.stage import main

main(annotate.run, __doc__)
