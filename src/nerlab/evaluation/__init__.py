"""Scoring: the one evaluator, predict-and-score, the paired bootstrap, model comparison."""
