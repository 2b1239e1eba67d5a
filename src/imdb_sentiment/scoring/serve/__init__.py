"""`python -m imdb_sentiment serve`: the trained model behind a local HTTP API and web page."""
