"""DVC stage `evaluate`: score every trained model on the test split."""
from nerlab.pipeline import evaluate
from nerlab.stage import main

main(evaluate.run, __doc__)
