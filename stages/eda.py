"""DVC stage `eda`: statistics and figures of the prepared dataset."""
from nerlab.pipeline import eda
from nerlab.stage import main

main(eda.run, __doc__)
