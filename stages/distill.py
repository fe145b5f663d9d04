"""DVC stage `distill`: paper 003's groups and blend schedules (distilled + original data), mean +- std on test."""
from nerlab.pipeline import distill
from nerlab.stage import main

main(distill.run, __doc__)
