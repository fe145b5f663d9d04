"""Settings: the params.yaml schema (typed params for the stages), paths, errors, seeds."""
