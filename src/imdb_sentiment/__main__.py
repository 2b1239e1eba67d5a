"""`python -m imdb_sentiment predict ...`"""

from imdb_sentiment.cli import main

if __name__ == "__main__":
    main()
