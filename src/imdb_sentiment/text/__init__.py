"""From text to ids: the tokenizer (tokenize.py), the vocabulary and its ids (vocab.py), the
row-parallel encoding of the reviews table (encoding.py), packed sequences, lengths and padding
(sequences.py), and what a trained model carries to repeat it on new text (preprocessing.py)."""
