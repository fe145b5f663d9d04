"""DVC stage `crf`: fit the feature-engineered CRF baseline and score it on dev."""
from nerlab.pipeline import crf
from nerlab.stage import main

main(crf.run, __doc__)
