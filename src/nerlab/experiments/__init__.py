"""Experiments: named variant sets, findings (claims with intervals), MLflow tracking, resumable parts."""
