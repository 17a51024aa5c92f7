"""A private PostgreSQL cluster, for tests that stop and start their database.

The machine's PostgreSQL (127.0.0.1:5432) is never restarted by a test: one that needs a
database going away starts its own cluster with Debian's server binaries
(/usr/lib/postgresql/<newest>/bin): `initdb` into a fresh folder under /tmp (trust
authentication, no fsync), listening on 127.0.0.1 on a free port with its socket in that
folder, run as the `postgres` user when the tests run as root (PostgreSQL refuses root).
Missing binaries fail the test; they never skip it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["PrivateCluster", "private_cluster"]


def _server_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    if not found:
        pytest.fail(
            "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install "
            "postgresql); this test starts a private cluster and never skips",
            pytrace=False,
        )
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateCluster:
    """One throwaway cluster: `start()`, `stop()` (fast: every session cut, as in a restart),
    `url` of its `postgres` database, `destroy()` (stopped at once, folder removed)."""

    def __init__(self) -> None:
        self.bin = _server_bin()
        self.folder = Path(tempfile.mkdtemp(prefix="cityops-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as: list[str] = []
        try:
            if os.geteuid() == 0:
                owner = pwd.getpwnam("postgres")
                os.chown(self.folder, owner.pw_uid, owner.pw_gid)
                self._as = ["runuser", "-u", "postgres", "--"]
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [*self._as, str(self.bin / tool), *args], capture_output=True, text=True, timeout=60
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr or done.stdout}")

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "30", *args)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off"
        )
        self._pg_ctl("-l", str(self.folder / "server.log"), "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-m", mode, "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    """A started private cluster, destroyed afterwards whatever happened."""
    cluster = PrivateCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()
