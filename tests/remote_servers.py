"""Real remote storage for DVC on loopback: Debian's OpenSSH server, and moto's S3 API server."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fixture_repo import run
from fixture_server import free_port

SSHD = "/usr/sbin/sshd"
# Test-only S3 credentials: moto accepts any; they go to .dvc/config.local, never to .dvc/config.
S3_KEY, S3_SECRET = "imdb-test-key", "imdb-test-secret"


@dataclass(frozen=True)
class Remote:
    """How a clone reaches the storage: what may be committed, and what must stay local."""

    name: str
    url: str
    shared: dict[str, str] = field(default_factory=dict)  # `dvc remote modify` (committed)
    secret: dict[str, str] = field(default_factory=dict)  # `dvc remote modify --local` (config.local)


def add_remote(clone: Path, remote: Remote, *, commit_part: bool) -> None:
    """The URL and non-secret options in .dvc/config (when ``commit_part``), secrets in config.local."""
    if commit_part:
        run(clone, "dvc", "remote", "add", remote.name, remote.url)
        for option, value in remote.shared.items():
            run(clone, "dvc", "remote", "modify", remote.name, option, value)
    for option, value in remote.secret.items():
        run(clone, "dvc", "remote", "modify", "--local", remote.name, option, value)


def fresh_clone(origin: Path, where: Path, remotes: list[Remote]) -> Path:
    """A teammate's clone: git only, an empty DVC cache of its own, their own credentials."""
    run(where.parent, "git", "clone", "-q", str(origin), str(where))
    for remote in remotes:
        add_remote(where, remote, commit_part=False)
    return where


def trained_clone(trained_repo: Path, root: Path) -> tuple[Path, Path]:
    """A bare git origin under ``root`` and clone ``root/a`` of the trained fixture pipeline, sharing
    its DVC cache, with every output restored from the run cache (nothing trained again)."""
    origin = root / "origin.git"
    run(root, "git", "init", "-q", "--bare", "--initial-branch=main", str(origin))
    a = root / "a"
    run(root, "git", "clone", "-q", str(trained_repo), str(a))
    (root / "aclImdb_v1.tar.gz").symlink_to(trained_repo.parent / "aclImdb_v1.tar.gz")
    run(a, "dvc", "cache", "dir", "--local", str(trained_repo / ".dvc" / "cache"))
    run(a, "dvc", "repro")
    return origin, a


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"{what} is not listening on port {port}")


@contextmanager
def ssh_server(root: Path) -> Iterator[Remote]:
    """sshd on a free loopback port, with a throwaway host key and user key; storage under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("host_key", "user_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / name)], check=True)
    shutil.copy(root / "user_key.pub", root / "authorized_keys")
    port = free_port()
    (root / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {root / 'host_key'}\nPidFile {root / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {root / 'authorized_keys'}\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
        "Subsystem sftp internal-sftp\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation directory
    server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(root / "sshd_config")], stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, server, "sshd")
        storage = root / "storage"
        storage.mkdir()
        url = f"ssh://{getpass.getuser()}@127.0.0.1:{port}{storage}"
        yield Remote("team-ssh", url, secret={"keyfile": str(root / "user_key")})
    finally:
        server.terminate()
        server.wait(10)


@contextmanager
def s3_server() -> Iterator[Remote]:
    """moto's standalone S3 server on a free loopback port, with an empty bucket."""
    import boto3

    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, server, "moto_server")
        endpoint = f"http://127.0.0.1:{port}"
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=S3_KEY,
            aws_secret_access_key=S3_SECRET,
            region_name="us-east-1",
        )
        s3.create_bucket(Bucket="imdb-team")
        yield Remote(
            "team-s3",
            "s3://imdb-team/dvc",
            shared={"endpointurl": endpoint},
            secret={"access_key_id": S3_KEY, "secret_access_key": S3_SECRET},
        )
    finally:
        server.terminate()
        server.wait(10)
