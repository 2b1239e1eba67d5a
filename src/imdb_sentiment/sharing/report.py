"""A review report for a pull request: the workspace against a base revision, as Markdown + SVG.

``report.md`` holds ``dvc metrics diff --md`` and ``dvc params diff --md`` against the base, and
links one SVG per DVC plot (training curves, confusion matrix, ROC, review lengths), each
drawing base and workspace together. DVC fills its Vega-Lite templates with both revisions' data
(``dvc plots diff --json``); vl-convert renders them locally, with no browser and no network
(``dvc plots show``'s HTML loads Vega from a CDN).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from imdb_sentiment.pipeline.io import PipelineError, write_text

PLOTS_DIR = "plots"


def dvc(args: list[str], repo: Path) -> str:
    done = subprocess.run(["dvc", *args], cwd=repo, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise PipelineError(f"dvc {' '.join(args)} failed: {message[-1] if message else done.returncode}")
    return done.stdout


def finite(value: Any) -> Any:
    """JSON-safe: DVC's ROC data starts at threshold inf, which JSON (and Vega) cannot take."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [finite(item) for item in value]
    return value


def vega_specs(plots: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Plot name -> Vega-Lite spec with its data, from ``dvc plots diff --json`` output."""
    specs = {}
    for name, renders in plots.get("data", {}).items():
        for render in renders:
            if render.get("type") == "vega" and render.get("content"):
                specs[name] = finite(render["content"])
    return specs


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def section(title: str, table: str, nothing: str) -> str:
    return f"## {title}\n\n{table.strip() if table.strip() else nothing}\n"


def write_report(out: Path, base: str = "HEAD", repo: Path = Path(".")) -> Path:
    """Write ``out``/report.md and ``out``/plots/*.svg; return the path of report.md."""
    import vl_convert

    metrics = dvc(["metrics", "diff", base, "--md"], repo)
    params = dvc(["params", "diff", base, "--md"], repo)
    with tempfile.TemporaryDirectory(prefix="imdb-report-") as images:  # DVC copies image plots there
        specs = vega_specs(json.loads(dvc(["plots", "diff", base, "--json", "-o", images], repo)))
    (out / PLOTS_DIR).mkdir(parents=True, exist_ok=True)
    links = []
    for name, spec in specs.items():
        file = f"{PLOTS_DIR}/{slug(name)}.svg"
        write_text(out / file, vl_convert.vegalite_to_svg(spec))
        links.append(f"### {name}\n\n![{name}]({file})\n")
    body = [
        f"# Model report: workspace against `{base}`\n",
        section("Metrics", metrics, f"No metric differs from `{base}`."),
        section("Parameters", params, f"No parameter differs from `{base}`."),
        "## Plots\n\nEach plot draws both revisions.\n",
        *links,
    ]
    report = out / "report.md"
    write_text(report, "\n".join(body))
    return report
