"""`python -m imdb_sentiment report`: metrics and params diffs and plots, rendered without a browser."""

from __future__ import annotations

import re
from pathlib import Path

from fixture_repo import cli


def test_the_report_compares_the_workspace_with_a_base(registered_repo: tuple[Path, dict[str, float]]) -> None:
    clone, _ = registered_repo  # HEAD: v2.0.0 (ngrams.C and ensemble.C 0.01), base: v1.0.0 (1.0)
    done = cli(clone, "report", "--base", "imdb-sentiment@v1.0.0", "--out", "report")
    assert done.returncode == 0, done.stderr
    report = (clone / "report" / "report.md").read_text()
    assert "# Model report: workspace against `imdb-sentiment@v1.0.0`" in report
    params = report.split("## Parameters")[1].split("## Plots")[0]
    assert re.search(r"\| params\.yaml\s*\| ngrams\.C\s*\| 1\.0\s*\| 0\.01\s*\|", params), params
    metrics = report.split("## Metrics")[1].split("## Parameters")[0]
    assert re.search(r"\| metrics/evaluate.json\s*\| members.ngrams.loss", metrics), metrics  # changed only
    linked = re.findall(r"!\[([^]]+)\]\((plots/[^)]+\.svg)\)", report)
    assert {name for name, _ in linked} >= {"Loss", "Accuracy", "Confusion matrix", "ROC"}
    for name, file in linked:
        svg = (clone / "report" / file).read_text()
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>"), name
    roc = (clone / "report" / dict(linked)["ROC"]).read_text()
    assert "imdb-sentiment@v1.0.0" in roc and "workspace" in roc  # both revisions drawn


def test_an_unknown_base_is_one_line(registered_repo: tuple[Path, dict[str, float]], tmp_path: Path) -> None:
    done = cli(registered_repo[0], "report", "--base", "no-such-rev", "--out", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.startswith("error: dvc metrics diff no-such-rev --md failed") and done.stderr.count("\n") == 1
