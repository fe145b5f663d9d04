"""The feature-engineered CRF (sklearn-crfsuite): features, gazetteer, word clusters, the tagger."""
