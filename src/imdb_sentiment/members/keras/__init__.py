"""Stage train's Keras models (member ``keras``).

- architectures.py: the default NBSVM and the tutorial's LSTM, CNN and pooling models;
- training.py: the seeded, deterministic fit with early stopping and an optional refit;
- saving.py: the .keras file, written byte-for-byte deterministically, carrying its preprocessing;
- nbsvm_arrays.py: the trained NBSVM as numpy arrays, to score without TensorFlow.
"""
