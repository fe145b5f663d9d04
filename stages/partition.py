"""DVC stage `partition`: train -> annotation sample, teacher pool, original pool (disjoint, seeded)."""
from nerlab.pipeline import partition
from nerlab.stage import main

main(partition.run, __doc__)
