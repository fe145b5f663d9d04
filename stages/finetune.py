"""DVC stage `finetune`: fine-tune a transformer tagger (encoder, head, layers, blend, aux, context)."""
from nerlab.pipeline import finetune
from nerlab.stage import main

main(finetune.run, __doc__)
