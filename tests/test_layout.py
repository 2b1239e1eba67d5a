"""The package's layers: a subpackage imports only its own layer and those below it, so the tree
reads as the design (docs: The pipeline, "How the code is organised")."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "src" / "imdb_sentiment"
# lowest first; cli.py and dependencies.py sit on top
LAYERS = ("pipeline", "distributed", "sources", "text", "vectors", "members", "ensemble", "sharing", "scoring")


def imported_subpackages(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        modules = [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        names.update(m.split(".")[1] for m in modules if m.startswith("imdb_sentiment."))
    return names


def test_every_module_lives_in_a_subpackage_but_the_entry_points() -> None:
    top = {path.name for path in PACKAGE.glob("*.py")}
    assert top == {"__init__.py", "__main__.py", "cli.py", "dependencies.py"}
    assert {path.name for path in PACKAGE.iterdir() if path.is_dir() and path.name != "__pycache__"} == set(LAYERS)


def test_lower_layers_never_import_higher_ones() -> None:
    wrong = []
    for layer, name in enumerate(LAYERS):
        for path in (PACKAGE / name).rglob("*.py"):
            for other in imported_subpackages(path) - {name}:
                if other not in LAYERS or LAYERS.index(other) > layer:
                    wrong.append(f"{path.relative_to(PACKAGE)} imports imdb_sentiment.{other}")
    assert not wrong, "\n".join(wrong)
