"""DVC stage `teacher`: the stand-in annotator (CRF or fine-tuned tagger) trained only on its own gold pool."""
from nerlab.pipeline import teacher
from nerlab.stage import main

main(teacher.run, __doc__)
