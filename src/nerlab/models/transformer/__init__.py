"""The fine-tuned transformer tagger: encoders, heads, training loop, the shared recipe."""
