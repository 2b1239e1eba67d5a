"""Each stage's code dependencies: its script and every package module its imports reach.

An edit to a module that a stage imports changes what the stage computes, so dvc.yaml must list
it, or DVC keeps the old output (a stale cache); a module it does not import, listed, reruns the
stage for nothing. The closure follows every import statement of the package's own modules, at
module level and inside functions (those run too, when called), and the ``__init__`` of every
package on the way (importing a submodule runs them).

    uv run python -m imdb_sentiment.dependencies          # each stage's code deps, as dvc.yaml lists them
    uv run python -m imdb_sentiment.dependencies --check  # exit 1 naming each stage whose list differs

tests/test_dependencies.py runs the check.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

PACKAGE = "imdb_sentiment"
SCRIPT = re.compile(r"\bpython\s+(stages/\S+\.py)\b")


def module_path(module: str, source: Path) -> Path | None:
    """The file of a package module (``imdb_sentiment.x.y``), or None for anything else."""
    if module != PACKAGE and not module.startswith(PACKAGE + "."):
        return None
    base = source / Path(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(path: Path) -> set[str]:
    """Every module name an import statement in ``path`` names, with ``from m import x`` giving
    ``m`` and ``m.x`` (x may be a submodule)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def with_parents(module: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b``, ``a.b.c``: importing a submodule runs its packages' __init__."""
    parts = module.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def code_closure(script: Path, source: Path) -> set[Path]:
    """The package files that ``script``'s imports reach, directly or through each other."""
    seen: set[Path] = set()
    pending = [script]
    while pending:
        for name in imported_modules(pending.pop()):
            for module in with_parents(name):
                path = module_path(module, source)
                if path is not None and path not in seen:
                    seen.add(path)
                    pending.append(path)
    return seen


def stage_code_deps(cmd: str, root: Path) -> list[str]:
    """A stage's code deps as dvc.yaml lists them: its script, then the package files it reaches, sorted."""
    match = SCRIPT.search(cmd)
    if match is None:
        raise ValueError(f"no `python stages/<script>.py` in the command {cmd!r}")
    script = root / match.group(1)
    modules = sorted(path.relative_to(root).as_posix() for path in code_closure(script, root / "src"))
    return [match.group(1), *modules]


def is_code(dep: str) -> bool:
    return dep.endswith(".py")


def listed_code_deps(stage: Mapping[str, Any]) -> list[str]:
    return [dep for dep in stage.get("deps", []) if isinstance(dep, str) and is_code(dep)]


def differences(stages: Mapping[str, Mapping[str, Any]], root: Path) -> dict[str, tuple[list[str], list[str]]]:
    """For each stage whose code deps differ from its closure: (missing, extra)."""
    out = {}
    for name, stage in stages.items():
        expected, listed = stage_code_deps(stage["cmd"], root), listed_code_deps(stage)
        missing, extra = sorted(set(expected) - set(listed)), sorted(set(listed) - set(expected))
        if missing or extra:
            out[name] = (missing, extra)
    return out


def pipeline_stages(path: Path) -> dict[str, Any]:
    stages: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))["stages"]
    return stages


def report(problems: Mapping[str, tuple[list[str], list[str]]], where: str) -> Iterable[str]:
    for stage, (missing, extra) in problems.items():
        if missing:
            yield f"{where}: stage {stage} imports but does not list {', '.join(missing)}"
        if extra:
            yield f"{where}: stage {stage} lists but does not import {', '.join(extra)}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m imdb_sentiment.dependencies", description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=Path("."), help="the repository (default: here)")
    parser.add_argument("--check", action="store_true", help="exit 1 if dvc.yaml's code deps differ from the imports")
    args = parser.parse_args(argv)
    dvc_yaml = args.root / "dvc.yaml"
    stages = pipeline_stages(dvc_yaml)
    if args.check:
        problems = list(report(differences(stages, args.root), str(dvc_yaml)))
        print("\n".join(problems) or f"{dvc_yaml}: every stage lists exactly the code it imports")
        sys.exit(1 if problems else 0)
    for name, stage in stages.items():
        print(f"{name}:\n  deps:")
        for dep in stage_code_deps(stage["cmd"], args.root):
            print(f"    - {dep}")


if __name__ == "__main__":
    main()
