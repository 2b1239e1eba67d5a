"""Stage train: fit a Keras model on the split, save it and its validation scores.

Stage train fits ``train.model`` (the ensemble's ``keras`` member and the tutorial's model) and
also writes the trained embedding, DVCLive curves and the environment. A Keras member of another
architecture gets a stage of its own that passes ``--model-name`` (docs: Adding a member; e.g.
``train_lstm`` with ``--model-name lstm``) and writes only the model, its validation scores and
metrics.
"""

import argparse
import contextlib
import logging

from imdb_sentiment.members.keras.collapse import collapse_warning
from imdb_sentiment.members.keras.curves import plot_training_curves
from imdb_sentiment.members.keras.saving import save_model
from imdb_sentiment.members.scores import MemberScores, validation_rows
from imdb_sentiment.pipeline.environment import software_record
from imdb_sentiment.pipeline.io import load_npy, load_npz, read_json, save_npy, write_json
from imdb_sentiment.pipeline.model_names import KERAS_MODELS
from imdb_sentiment.pipeline.params import DataParams, PadParams, TextParams, TrainParams, load_params
from imdb_sentiment.pipeline.stage import run_stage
from imdb_sentiment.text.preprocessing import Preprocessing

from dvclive import Live

log = logging.getLogger("train")


def main() -> str:
    # Keras after run_stage has routed TensorFlow's C++ start-up lines through the log filter
    from imdb_sentiment.members.keras.architectures import embedding_weights
    from imdb_sentiment.members.keras.training import live_callback, train, training_summary

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-name", choices=KERAS_MODELS, help="fit this model instead of train.model")
    parser.add_argument("--train", required=True)
    parser.add_argument("--val", required=True)
    parser.add_argument("--index", required=True, help="row positions of the validation reviews (.npz)")
    parser.add_argument("--embedding", required=True, help="initial embedding matrix (.npy)")
    parser.add_argument("--vocab", required=True, help="the vocabulary (.json), saved inside the model")
    parser.add_argument("--model", required=True, help="trained model (.keras), with what scoring raw text needs")
    parser.add_argument("--trained-embedding", help="trained Embedding weights (.npy)")
    parser.add_argument("--val-scores", required=True, help="validation probabilities before any refit (.npz)")
    parser.add_argument("--metrics", required=True)
    parser.add_argument("--live-dir", help="DVCLive per-epoch logs")
    parser.add_argument("--curves", help="training curves (.png)")
    parser.add_argument("--environment", help="package versions of this run (.json)")
    parser.add_argument("--record-as", default="train", help="the stage's name in the run record")
    args = parser.parse_args()
    p = load_params(TrainParams)
    p = p.for_model(args.model_name) if args.model_name else p
    pad = load_params(PadParams)
    trained_on = load_params(DataParams).described()  # the model file says it: predict, the API and the page read it

    train_set, val_set = load_npz(args.train), load_npz(args.val)
    val_rows = validation_rows(load_npz(args.index)["val"], val_set["y"], args.index, args.val)
    with contextlib.ExitStack() as stack:
        callbacks = []
        if args.live_dir:
            live = stack.enter_context(Live(dir=args.live_dir, dvcyaml=False, save_dvc_exp=False, report=None))
            callbacks.append(live_callback(live))
        matrix = load_npy(args.embedding)
        result = train(p, matrix, train_set["x"], train_set["y"], val_set["x"], val_set["y"], callbacks=callbacks)

    maxlen, tokenizer = int(train_set["x"].shape[1]), load_params(TextParams).tokenizer
    preprocessing = Preprocessing(read_json(args.vocab), maxlen, pad.padding, pad.truncating, tokenizer, trained_on)
    save_model(result.model, args.model, preprocessing.as_dict())
    MemberScores(val_rows, val_set["y"], result.val_probabilities).save(args.val_scores)
    if args.trained_embedding:
        save_npy(args.trained_embedding, embedding_weights(result.model))
    if args.curves:
        plot_training_curves(result.history, args.curves, title=f"{p.model}: training curves")
    summary = training_summary(p, result, int(train_set["y"].size), int(val_set["y"].size))
    best_val_loss = result.history["val_loss"][result.best_epoch - 1]
    warning = collapse_warning(p.model, result.val_probabilities, best_val_loss, args.metrics)
    if warning:
        log.warning(warning)
    write_json(args.metrics, {**summary, "collapsed": warning is not None})
    if args.environment:
        write_json(args.environment, software_record())
    log.info("%s: best epoch %d, val_accuracy %.4f", p.model, result.best_epoch, summary["val_accuracy"])
    return str(args.record_as)


if __name__ == "__main__":
    run_stage(main)
