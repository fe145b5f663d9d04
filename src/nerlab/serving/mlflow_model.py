"""A trained nerlab tagger as an MLflow model (pyfunc), servable with ``mlflow models serve``.

The finetune stage logs ``models/finetune`` under its MLflow run as ``model``
with an input/output signature and an example, so that

    MLFLOW_TRACKING_URI=sqlite:///mlflow.db mlflow models serve -m runs:/<run id>/model --env-manager local

answers ``POST /invocations`` with ``{"dataframe_records": [{"text": "..."}]}``:
one row per text with ``entities`` (JSON: text, type, start, end), ``tags`` and
``tokens`` (JSON lists), exactly what ``nerlab predict --format jsonl`` gives. The model runs at the
``inference_precision`` it was logged with (``model_config``); ``NERLAB_INFERENCE_PRECISION=int8`` on the
serving machine overrides it. The logged weights are always fp32.
The model folder travels as an artifact and nerlab's source as code, so the
served model needs nerlab's pinned dependencies only, not a nerlab checkout.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import mlflow.pyfunc

log = logging.getLogger(__name__)

EXAMPLE = "Bob Dylan visited Oslo on Monday."
OUTPUT_COLUMNS = ("text", "entities", "tags", "tokens")
PRECISION_ENV = "NERLAB_INFERENCE_PRECISION"  # fp32 | bf16 | int8 on the serving machine


class NerlabTagger(mlflow.pyfunc.PythonModel):
    """pyfunc wrapper of a fine-tuned tagger: a DataFrame with a ``text`` column in, one row of entities per text out."""

    def load_context(self, context) -> None:
        from nerlab.models.transformer.tagger import FinetunedTagger

        self.tagger = FinetunedTagger.load(context.artifacts["model"], precision=serving_precision(context))

    def predict(self, context, model_input, params=None):
        import pandas as pd

        from nerlab.serving.predict import tag_texts

        texts = [str(t) for t in model_input["text"]]
        by_text = {r["text"]: r for r in tag_texts(self.tagger, texts)}  # blank texts are skipped there
        rows = []
        for text in texts:
            r = by_text.get(text, {"entities": [], "tags": [], "tokens": []})
            rows.append({"text": text, "entities": json.dumps(r["entities"], ensure_ascii=False),
                         "tags": json.dumps(r["tags"]), "tokens": json.dumps(r["tokens"], ensure_ascii=False)})
        return pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS))


def serving_precision(context) -> str:
    """``NERLAB_INFERENCE_PRECISION`` on the serving machine, else the precision logged with the model
    (``model_config``), else fp32."""
    from nerlab.models.transformer.precision import INFERENCE

    chosen = os.environ.get(PRECISION_ENV) or (getattr(context, "model_config", None) or {}).get(
        "inference_precision", "fp32")
    if chosen not in INFERENCE:
        raise ValueError(f"{PRECISION_ENV}={chosen!r}: expected one of {', '.join(INFERENCE)}")
    return chosen


def signature():
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    return ModelSignature(inputs=Schema([ColSpec("string", "text")]),
                          outputs=Schema([ColSpec("string", c) for c in OUTPUT_COLUMNS]))


def log_tagger(model_dir: str | Path, name: str = "model", inference_precision: str = "fp32") -> str | None:
    """Log ``model_dir`` (fp32 weights) as a pyfunc model under the active MLflow run, served at
    ``inference_precision`` unless the serving machine says otherwise; its URI (None when no run is active:
    tracking is off)."""
    import pandas as pd

    if mlflow.active_run() is None:
        return None
    source = Path(__file__).resolve().parent  # the nerlab package, shipped as code
    info = mlflow.pyfunc.log_model(name=name, python_model=NerlabTagger(), artifacts={"model": str(model_dir)},
                                   code_paths=[str(source)], signature=signature(),
                                   input_example=pd.DataFrame({"text": [EXAMPLE]}),
                                   pip_requirements=_requirements(),
                                   model_config={"inference_precision": inference_precision})
    uri = f"runs:/{mlflow.active_run().info.run_id}/{name}"
    log.info("MLflow model logged: %s (serve: mlflow models serve -m %s --env-manager local)", uri, uri)
    return info.model_uri if getattr(info, "model_uri", None) else uri


def _requirements() -> list[str]:
    from importlib.metadata import version

    return [f"{pkg}=={version(pkg)}" for pkg in ("torch", "transformers", "pytorch-crf", "sklearn-crfsuite",
                                                 "mlflow", "pandas")]
