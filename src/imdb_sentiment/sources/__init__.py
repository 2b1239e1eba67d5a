"""Where reviews come from (catalog.py looks a source up by data.source): IMDB's archive
(archive.py) or your own CSV, TSV, Parquet and JSONL files (tables.py), written as the one
reviews table every later stage reads (reviews.py)."""
