"""Scoring text with a trained model: the ensemble file and its classifier (classifier.py), loading
by path, revision or registry stage (predict.py), test metrics (evaluation.py), explanations
(explain/) and the HTTP server and its page (serve/)."""
