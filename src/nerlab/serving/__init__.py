"""Models that leave the lab: raw-text prediction, transformers export, the MLflow model."""
