"""DVC stage `annotate_bbc`: distilled BBC News sentences (paper 003 phase two)."""
from nerlab.pipeline import annotate_bbc
from nerlab.stage import main

main(annotate_bbc.run, __doc__)
