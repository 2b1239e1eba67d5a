"""Stage evaluate: the trained model on every test review; metrics, confusion matrix, ROC."""

import argparse
import logging

from dvclive import Live

from imdb_sentiment.evaluation import binary_metrics
from imdb_sentiment.io import load_npz, write_json
from imdb_sentiment.models import load_model
from imdb_sentiment.stage import run_stage

log = logging.getLogger("evaluate")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--test", required=True, help="padded test reviews (.npz)")
    parser.add_argument("--metrics", required=True)
    parser.add_argument("--plots-dir", required=True, help="confusion matrix and ROC for dvc plots")
    parser.add_argument("--batch-size", type=int, default=1024)
    args = parser.parse_args()

    test = load_npz(args.test)
    model = load_model(args.model)
    probabilities = model.predict(test["x"], batch_size=args.batch_size, verbose=0).ravel()
    scores = binary_metrics(test["y"], probabilities)
    write_json(args.metrics, scores)
    with Live(dir=args.plots_dir, dvcyaml=False, save_dvc_exp=False, report=None) as live:
        live.log_sklearn_plot(
            "confusion_matrix", test["y"], (probabilities >= 0.5).astype(int), name="confusion_matrix.json"
        )
        live.log_sklearn_plot("roc", test["y"], probabilities, name="roc.json")
    log.info("test: %s", scores)


if __name__ == "__main__":
    run_stage(main)
