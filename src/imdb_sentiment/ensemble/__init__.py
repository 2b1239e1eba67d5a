"""The stacker (stacker.py): a logistic regression on the members' validation log-odds."""
