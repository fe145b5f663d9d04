"""LLM (or teacher-model) annotation: prompts -> backend -> tolerant parser -> spans aligned to tokens."""
