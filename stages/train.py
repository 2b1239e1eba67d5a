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
import time

from imdb_sentiment.architectures import KERAS_MODELS
from imdb_sentiment.collapse import collapse_causes, collapse_signs
from imdb_sentiment.ensemble import MemberScores
from imdb_sentiment.environment import machine_record, software_record, visible_gpus
from imdb_sentiment.io import PipelineError, load_npy, load_npz, read_json, save_npy, write_json
from imdb_sentiment.model_file import save_model
from imdb_sentiment.params import PadParams, TrainParams, load_params
from imdb_sentiment.plots import plot_training_curves
from imdb_sentiment.preprocessing import Preprocessing
from imdb_sentiment.run_record import record_stage_run
from imdb_sentiment.stage import run_stage

from dvclive import Live

log = logging.getLogger("train")


def main() -> None:
    # Keras after run_stage has routed TensorFlow's C++ start-up lines through the log filter
    from imdb_sentiment.models import embedding_weights
    from imdb_sentiment.training import live_callback, train

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
    parser.add_argument("--run-record", required=True, help="seconds and machine details (.json, updated)")
    parser.add_argument("--record-as", default="train", help="the stage's name in the run record")
    args = parser.parse_args()
    p = load_params(TrainParams)
    if args.model_name:
        p = p.for_model(args.model_name)

    train_set, val_set = load_npz(args.train), load_npz(args.val)
    val_index = load_npz(args.index)["val"]
    if val_index.size != val_set["y"].size:
        raise PipelineError(f"{args.index}: {val_index.size} validation rows, but {args.val} holds {val_set['y'].size}")
    matrix = load_npy(args.embedding)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        callbacks = []
        if args.live_dir:
            live = stack.enter_context(Live(dir=args.live_dir, dvcyaml=False, save_dvc_exp=False, report=None))
            callbacks.append(live_callback(live))
        result = train(p, matrix, train_set["x"], train_set["y"], val_set["x"], val_set["y"], callbacks=callbacks)
    seconds = time.perf_counter() - started

    pad = load_params(PadParams)
    preprocessing = Preprocessing(read_json(args.vocab), int(train_set["x"].shape[1]), pad.padding, pad.truncating)
    save_model(result.model, args.model, preprocessing.as_dict())
    MemberScores(val_index, val_set["y"], result.val_probabilities).save(args.val_scores)
    if args.trained_embedding:
        save_npy(args.trained_embedding, embedding_weights(result.model))
    if args.curves:
        plot_training_curves(result.history, args.curves, title=f"{p.model}: training curves")
    best = result.best_epoch - 1
    collapsed = collapse_signs(result.val_probabilities, result.history["val_loss"][best])
    if collapsed:
        log.warning(
            '%s looks collapsed to one answer: %s. Likely causes: %s. Flagged as "collapsed": true in %s.',
            p.model,
            "; ".join(collapsed),
            collapse_causes(p.model),
            args.metrics,
        )
    write_json(
        args.metrics,
        {
            "model": p.model,
            "parameters": int(result.model.count_params()),
            "epochs_run": len(result.history["loss"]),
            "best_epoch": result.best_epoch,
            "refit_full": p.settings.refit_full,  # on or off for this model (train.<model>.refit_full)
            "refit_epochs": result.refit_epochs,
            "val_loss": round(result.history["val_loss"][best], 6),
            "val_accuracy": round(result.history["val_accuracy"][best], 6),
            "train_reviews": int(train_set["y"].size + (val_set["y"].size if result.refit_epochs else 0)),
            "collapsed": bool(collapsed),
        },
    )
    if args.environment:
        write_json(args.environment, software_record())
    record_stage_run(args.run_record, args.record_as, seconds, machine_record(gpus=visible_gpus()))
    log.info("%s: best epoch %d, val_accuracy %.4f", p.model, result.best_epoch, result.history["val_accuracy"][best])


if __name__ == "__main__":
    run_stage(main)
