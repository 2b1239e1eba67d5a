"""Stage evaluate: the ensemble and each member on every test review; metrics, confusion matrix, ROC.

The members score parts of the test reviews where the cluster settings say (here or on Dask
workers, each loading the ensemble once); the stacker combines them here."""

import argparse
import logging

from imdb_sentiment.distributed import cluster
from imdb_sentiment.pipeline.io import load_npz, write_json
from imdb_sentiment.pipeline.params import ClusterParams, load_params
from imdb_sentiment.pipeline.stage import run_stage
from imdb_sentiment.scoring.classifier import ModelFiles, score_packed
from imdb_sentiment.scoring.evaluation import binary_metrics

from dvclive import Live

log = logging.getLogger("evaluate")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="the ensemble (.zip)")
    parser.add_argument("--test", required=True, help="encoded test reviews (.npz)")
    parser.add_argument("--metrics", required=True)
    parser.add_argument("--plots-dir", required=True, help="confusion matrix and ROC for dvc plots")
    args = parser.parse_args()

    test = load_npz(args.test)
    labels = test["labels"]
    model = ModelFiles.read(args.model)
    with cluster.runner(load_params(ClusterParams)) as work:  # members score parts of the reviews here or on workers
        members = score_packed(model, test["ids"], test["offsets"], work)
    probabilities = model.classifier.combine(members)
    scores = binary_metrics(labels, probabilities)
    member_scores = {name: binary_metrics(labels, p) for name, p in members.items()}
    write_json(args.metrics, {**scores, "members": member_scores})
    with Live(dir=args.plots_dir, dvcyaml=False, save_dvc_exp=False, report=None) as live:
        live.log_sklearn_plot(
            "confusion_matrix", labels, (probabilities >= 0.5).astype(int), name="confusion_matrix.json"
        )
        live.log_sklearn_plot("roc", labels, probabilities, name="roc.json")
    log.info(
        "test accuracy %.4f (%s)",
        scores["accuracy"],
        ", ".join(f"{n} {s['accuracy']:.4f}" for n, s in member_scores.items()),
    )


if __name__ == "__main__":
    run_stage(main)
