"""Sharing runs with a team: model versions and stages in the registry (registry.py, GTO tags),
files at a git revision (revisions.py), and the pull-request report (report.py)."""
