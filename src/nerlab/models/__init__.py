"""Taggers: one registry; the feature CRF (crf/) and the fine-tuned transformer (transformer/)."""
