"""Each stage's code dependencies: its script and the package code its imports reach, listed as
dvc.yaml lists them: a subpackage's folder when the stage uses all of it, else its files.

An edit to a module that a stage imports changes what the stage computes, so dvc.yaml must
cover it, or DVC keeps the old output (a stale cache); a path listed that the stage does not
wholly use reruns the stage for nothing. The closure follows every import statement of the
package's own modules, at module level and inside functions (those run too, when called), and
the ``__init__`` of every package on the way (importing a submodule runs them). An ``__init__``
that only delegates (a docstring, constants, imports of the package's modules and calls of what
it imported: the package's own pins the CPU kernels) adds nothing of its own: the modules it
imports are the dependencies.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PACKAGE = "imdb_sentiment"
SCRIPT = re.compile(r"\bpython\s+(stages/\S+\.py)\b")
CODE_ROOTS = ("stages/", "src/")


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


def only_delegates(path: Path) -> bool:
    """Whether a module's statements are only a docstring, constants, imports from the package
    and calls of the names it imported: what it runs is all in the modules it imports."""
    imported: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8"), filename=str(path)).body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE + "."):
            imported.update(alias.asname or alias.name for alias in node.names)
        elif (
            (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
            or (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant))
            or (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
                and node.value.func.id in imported
                and not node.value.args
                and not node.value.keywords
            )
        ):
            continue
        else:
            return False
    return True


def is_code_file(path: Path) -> bool:
    return path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"


def counts(path: Path) -> bool:
    """Whether an edit to ``path`` can change what a stage computes."""
    return not (path.name == "__init__.py" and only_delegates(path))


def code_closure(script: Path, source: Path) -> set[Path]:
    """The package files that ``script``'s imports reach, directly or through each other, less
    docstring-only ``__init__`` files."""
    seen: set[Path] = set()
    pending = [script]
    while pending:
        for name in imported_modules(pending.pop()):
            for module in with_parents(name):
                path = module_path(module, source)
                if path is not None and path not in seen:
                    seen.add(path)
                    pending.append(path)
    return {path for path in seen if counts(path)}


def folder_files(folder: Path) -> set[Path]:
    """The files of ``folder`` and its subfolders that an edit could matter in."""
    return {path for path in folder.rglob("*") if is_code_file(path) and counts(path)}


def covering_paths(used: set[Path], package: Path) -> list[Path]:
    """The fewest paths that cover exactly ``used``: a folder where every file under it is used,
    otherwise the used files one by one."""
    paths: list[Path] = []
    for path in sorted(package.iterdir()):
        if path.is_dir() and path.name != "__pycache__":  # Python's cache, ignored by DVC too (.dvcignore)
            files = folder_files(path)
            if files and files <= used:
                paths.append(path)
            elif files & used:
                paths.extend(covering_paths(used, path))
        elif path in used:
            paths.append(path)
    return paths


def stage_script(cmd: str) -> str:
    match = SCRIPT.search(cmd)
    if match is None:
        raise ValueError(f"no `python stages/<script>.py` in the command {cmd!r}")
    return match.group(1)


def stage_code(cmd: str, root: Path) -> tuple[set[str], list[str]]:
    """A stage's script and the package files it reaches, and its code deps as dvc.yaml lists
    them: the script, then the fewest paths that cover those files."""
    script = stage_script(cmd)
    used = code_closure(root / script, root / "src")
    covered = covering_paths(used, root / "src" / PACKAGE)
    relative = {path.relative_to(root).as_posix() for path in used}
    return {script, *relative}, [script, *(path.relative_to(root).as_posix() for path in covered)]


def stage_code_deps(cmd: str, root: Path) -> list[str]:
    """A stage's code deps as dvc.yaml lists them: its script, then the package code it reaches."""
    return stage_code(cmd, root)[1]


def is_code(dep: str) -> bool:
    return dep.startswith(CODE_ROOTS)


def listed_code_deps(stage: Mapping[str, Any]) -> list[str]:
    return [dep for dep in stage.get("deps", []) if isinstance(dep, str) and is_code(dep)]


@dataclass(frozen=True)
class Difference:
    missing: list[str]  # code the stage runs that no listed path covers
    unneeded: list[str]  # listed paths the stage does not (wholly) use
    expected: list[str]  # the list as it should read


def uncovered(used: Iterable[str], listed: Iterable[str]) -> list[str]:
    folders = [dep.rstrip("/") + "/" for dep in listed]
    return sorted(path for path in used if path not in listed and not any(path.startswith(f) for f in folders))


def differences(stages: Mapping[str, Mapping[str, Any]], root: Path) -> dict[str, Difference]:
    """For each stage whose code deps differ from the paths that cover its closure exactly."""
    out = {}
    for name, stage in stages.items():
        (used, expected), listed = stage_code(stage["cmd"], root), listed_code_deps(stage)
        if sorted(expected) == sorted(listed):
            continue
        out[name] = Difference(uncovered(used, listed), sorted(set(listed) - set(expected)), expected)
    return out


def pipeline_stages(path: Path) -> dict[str, Any]:
    stages: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))["stages"]
    return stages


def report(problems: Mapping[str, Difference], where: str) -> Iterable[str]:
    for stage, difference in problems.items():
        if difference.missing:
            yield f"{where}: stage {stage} imports but does not list {', '.join(difference.missing)}"
        if difference.unneeded:
            yield f"{where}: stage {stage} lists but does not wholly use {', '.join(difference.unneeded)}"
        yield f"{where}: stage {stage} should list {', '.join(difference.expected)}"


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
