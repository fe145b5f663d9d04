"""One module per DVC stage (``python -m nerlab.stages.<stage>``); each exposes ``run(params)``."""
