"""The ensemble's members, one kind each (kinds.py: how each is loaded and scored):

- ngrams.py: NB-weighted logistic regression on word n-grams (members ``ngrams`` and ``ending``);
- language_model.py: one n-gram language model per class (member ``lm``, an optional stage);
- keras/: the Keras models of stage train (member ``keras``; the default is the NBSVM);
- packed.py, scores.py: what member stages share: reading the split, writing validation scores.
"""
