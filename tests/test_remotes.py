"""Sharing as a team through real remotes: an OpenSSH server (dvc-ssh) and an S3 API (dvc-s3, moto).

Clone A trains (the fixture pipeline), pushes its outputs and an experiment. Fresh clones of the
same git origin then pull: outputs without recomputing anything, and the experiment with its
metrics and its model bytes. Credentials live in each clone's .dvc/config.local only.
"""

from __future__ import annotations

import configparser
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixture_repo import REPO, run, stages_run
from remote_servers import (
    S3_KEY,
    S3_SECRET,
    SSHD,
    Remote,
    add_remote,
    fresh_clone,
    s3_server,
    ssh_server,
    trained_clone,
)

EXPERIMENT = "team-exp"
SECRET_OPTIONS = {
    "password",
    "passphrase",
    "keyfile",
    "access_key_id",
    "secret_access_key",
    "session_token",
    "credentialpath",
    "gdrive_client_secret",
    "account_key",
    "sas_token",
    "connection_string",
}

pytestmark = pytest.mark.skipif(
    not Path(SSHD).exists(), reason="needs Debian's openssh-server (apt-get install openssh-server; .ci/run does)"
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def secrets_in(config_text: str) -> set[str]:
    config = configparser.ConfigParser()
    config.read_string(config_text)
    return {option for section in config.sections() for option in config[section] if option in SECRET_OPTIONS}


@pytest.fixture(scope="module")
def team(trained_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """Clone A with both remotes, pushed, and experiment EXPERIMENT pushed to each; the git origin."""
    root = tmp_path_factory.mktemp("team")
    with ssh_server(root / "sshd") as ssh, s3_server() as s3:
        remotes = [ssh, s3]
        origin, a = trained_clone(trained_repo, root)
        for remote in remotes:
            add_remote(a, remote, commit_part=True)
        run(a, "git", "add", "-A")
        run(a, "git", "-c", "user.name=a", "-c", "user.email=a@a", "commit", "-qm", "trained; team remotes")
        run(a, "git", "remote", "set-url", "origin", str(origin))
        run(a, "git", "push", "-q", "origin", "HEAD:refs/heads/main")
        for remote in remotes:
            run(a, "dvc", "push", "-r", remote.name)
        run(a, "dvc", "exp", "run", "-n", EXPERIMENT, "-S", "ngrams.C=0.3")
        experiment_model = sha256(a / "data/ensemble.zip")
        for remote in remotes:
            run(a, "dvc", "exp", "push", "-r", remote.name, "origin", EXPERIMENT)
        yield {"origin": origin, "root": root, "remotes": {r.name: r for r in remotes}, "a": a,
               "experiment_model": experiment_model}  # fmt: skip


REMOTES = ["team-ssh", "team-s3"]


@pytest.mark.parametrize("name", REMOTES)
def test_a_fresh_clone_pulls_every_output_without_recomputing(team: dict, name: str) -> None:
    remote: Remote = team["remotes"][name]
    clone = fresh_clone(team["origin"], team["root"] / f"pull-{name}", [remote])
    run(clone, "dvc", "pull", "-r", remote.name)
    assert (clone / "data/ensemble.zip").exists() and (clone / "data/word2vec.txt").exists()
    assert "up to date" in run(clone, "dvc", "status")
    assert stages_run(run(clone, "dvc", "repro")) == set()

    other = fresh_clone(team["origin"], team["root"] / f"repro-pull-{name}", [remote])
    run(other, "dvc", "remote", "default", "--local", remote.name)
    # nothing recomputed; --allow-missing leaves the skipped stages' outputs on the remote
    assert stages_run(run(other, "dvc", "repro", "--pull", "--allow-missing")) == set()
    # --pull alone fetches them, still computing nothing
    assert stages_run(run(other, "dvc", "repro", "--pull")) == set()
    assert "up to date" in run(other, "dvc", "status")


@pytest.mark.parametrize("name", REMOTES)
def test_a_pushed_experiment_reaches_another_clone_with_its_metrics_and_model(team: dict, name: str) -> None:
    remote: Remote = team["remotes"][name]
    b = fresh_clone(team["origin"], team["root"] / f"b-{name}", [remote])
    run(b, "dvc", "exp", "pull", "-r", remote.name, "origin", EXPERIMENT)
    shown = run(b, "dvc", "exp", "show", "--no-pager", "--md")
    row = next(line for line in shown.splitlines() if EXPERIMENT in line)
    assert "0.3" in row and any(char.isdigit() for char in row.split(EXPERIMENT)[1])  # its param and metrics
    run(b, "dvc", "exp", "apply", EXPERIMENT)
    run(b, "dvc", "checkout")
    assert sha256(b / "data/ensemble.zip") == team["experiment_model"]


def test_credentials_stay_out_of_committed_config(team: dict) -> None:
    a: Path = team["a"]
    committed = run(a, "git", "show", "HEAD:.dvc/config")
    assert "team-ssh" in committed and "team-s3" in committed and not secrets_in(committed)
    assert secrets_in((a / ".dvc/config.local").read_text()) >= {"keyfile", "access_key_id", "secret_access_key"}
    assert run(a, "git", "ls-files", ".dvc/config.local").strip() == ""  # ignored by .dvc/.gitignore
    # and the project's own committed config
    assert not secrets_in((REPO / ".dvc" / "config").read_text())
    assert "config.local" in (REPO / ".dvc" / ".gitignore").read_text()


def test_the_pushes_went_through_the_servers(team: dict) -> None:
    """Not a local path in disguise: files arrived in the directory sshd serves, objects in moto's bucket."""
    import boto3

    assert any(path.is_file() for path in (team["root"] / "sshd" / "storage").rglob("*"))
    s3 = team["remotes"]["team-s3"]
    client = boto3.client("s3", endpoint_url=s3.shared["endpointurl"], aws_access_key_id=S3_KEY,
                          aws_secret_access_key=S3_SECRET, region_name="us-east-1")  # fmt: skip
    assert client.list_objects_v2(Bucket="imdb-team", Prefix="dvc/")["KeyCount"] > 0
