"""DVC stage `multitask@<task>`: paper 002's token, sequence (topic) and multitask models (Table 2)."""
from nerlab.pipeline import multitask
from nerlab.stage import main

main(multitask.run, __doc__, {"--task": "an entry of multitask.tasks in params.yaml (token, sequence, joint, ...)"})
