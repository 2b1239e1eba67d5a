"""Check, against the package registry, that uv.lock installs on every supported platform and Python.

    uv run python bench/check_platforms.py            # writes metrics/platforms.json, prints a table

For each platform x Python pair, the locked requirements (`uv export --frozen`: the default
install, i.e. the `cpu` and `dev` groups) are resolved with

    uv pip compile --python-platform TARGET --python-version X.Y --only-binary :all:

which succeeds only if every locked package that the pair needs has a wheel for it, at the
locked version, on the registry. Packages that the lock knows only as source are allowed to
build (they are listed: pure Python). The versions resolved must be the locked ones. The `gpu`
extra is checked the same way on Linux x86-64, the `korean` extra on every platform. It needs the
registry, so it is not a test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# platform name -> uv's --python-platform target (glibc 2.28+: Debian 10, Ubuntu 20.04, RHEL 8)
PLATFORMS = {
    "linux-x86_64": "x86_64-manylinux_2_28",
    "linux-aarch64": "aarch64-manylinux_2_28",
    "macos-arm64": "aarch64-apple-darwin",
    "windows-x86_64": "x86_64-pc-windows-msvc",
}
PYTHONS = ("3.11", "3.12", "3.13")
# variant -> `uv export` selection flags, and the platforms it applies to
VARIANTS = {
    "default": ([], tuple(PLATFORMS)),
    "gpu": (["--extra", "gpu", "--no-group", "cpu"], ("linux-x86_64",)),
    "korean": (["--extra", "korean"], tuple(PLATFORMS)),
}
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_packages(lock: dict) -> tuple[dict[str, str], list[str]]:
    """Version of every locked package, and those the lock has only as source (no wheel)."""
    versions = {canonical(p["name"]): p["version"] for p in lock["package"]}
    source_only = sorted(canonical(p["name"]) for p in lock["package"] if "sdist" in p and not p.get("wheels"))
    return versions, source_only


def export_requirements(flags: list[str], out: Path) -> None:
    subprocess.run(
        ["uv", "export", "--frozen", "--no-hashes", "--no-emit-project", "--quiet", *flags, "-o", str(out)],
        cwd=REPO,
        check=True,
    )


def resolve(requirements: Path, target: str, python: str, source_only: list[str]) -> tuple[dict[str, str], str]:
    """Pins resolved for one pair from wheels only, or ({}, the resolver's reason)."""
    allow_source = [arg for name in source_only for arg in ("--no-binary", name)]
    done = subprocess.run(
        [
            *("uv", "pip", "compile", str(requirements), "--python-platform", target, "--python-version", python),
            *("--only-binary", ":all:", *allow_source, "--no-header", "--no-annotate", "--quiet"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        reason = " ".join(line.strip() for line in done.stderr.splitlines() if line.strip())
        return {}, reason
    return {canonical(m[1]): m[2] for line in done.stdout.splitlines() if (m := PIN.match(line))}, ""


def check_pair(
    requirements: Path, platform: str, python: str, variant: str, locked: dict[str, str], source_only: list[str]
) -> dict[str, object]:
    pins, reason = resolve(requirements, PLATFORMS[platform], python, source_only)
    drift = sorted(
        f"{name} {version} (locked {locked.get(name)})" for name, version in pins.items() if locked.get(name) != version
    )
    tensorflow = next((f"{name}=={pins[name]}" for name in ("tensorflow-cpu", "tensorflow") if name in pins), None)
    return {
        "platform": platform,
        "python": python,
        "variant": variant,
        "target": PLATFORMS[platform],
        "resolves": bool(pins) and not drift,
        "packages": len(pins),
        "tensorflow": tensorflow,
        "built_from_source": sorted(set(source_only) & set(pins)),
        "problem": reason or ("; ".join(drift) if drift else None),
    }


def markdown(rows: list[dict[str, object]]) -> str:
    lines = [
        "| platform | Python | install | resolves | packages | TensorFlow wheel |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        ok = "yes" if row["resolves"] else f"**no**: {row['problem']}"
        install = "default" if row["variant"] == "default" else f"`--extra {row['variant']}`"
        lines.append(
            f"| {row['platform']} | {row['python']} | {install} | {ok} | {row['packages']} | `{row['tensorflow']}` |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(REPO / "metrics" / "platforms.json"))
    args = parser.parse_args()
    lock_bytes = (REPO / "uv.lock").read_bytes()
    locked, source_only = locked_packages(tomllib.loads(lock_bytes.decode()))
    uv_version = subprocess.run(["uv", "--version"], capture_output=True, text=True, check=True).stdout.split()[1]

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for variant, (flags, platforms) in VARIANTS.items():
            requirements = Path(tmp) / f"{variant}.txt"
            export_requirements(flags, requirements)
            for platform in platforms:
                for python in PYTHONS:
                    rows.append(check_pair(requirements, platform, python, variant, locked, source_only))
                    print(json.dumps(rows[-1]), flush=True)

    result = {
        "lock_sha256": hashlib.sha256(lock_bytes).hexdigest(),
        "uv": uv_version,
        "all_resolve": all(row["resolves"] for row in rows),
        "pairs": rows,
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(rows))
    sys.exit(0 if result["all_resolve"] else 1)


if __name__ == "__main__":
    main()
