"""DVC stage `learning_curve`: paper 002's Figure 2, test F1 and token accuracy vs training-set size, several seeds."""
from nerlab.pipeline import learning_curve
from nerlab.stage import main

main(learning_curve.run, __doc__)
