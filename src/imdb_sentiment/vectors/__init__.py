"""Word vectors: PPMI + SVD (ppmi.py) or gensim's word2vec, chosen by word2vec.algorithm
(word_vectors.py); reading, writing and judging vectors and the embedding matrix (embeddings.py);
the trained embedding written out as vectors (export.py)."""
