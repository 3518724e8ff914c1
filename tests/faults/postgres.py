"""A throwaway PostgreSQL cluster on a spare port, to restart under load (never the shared 5432 server)."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.live.servers import free_port, wait_for_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PostgresCluster:
    """``initdb`` in a temporary directory owned by ``postgres``, served by ``pg_ctl`` on loopback only."""

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self.port = free_port()

    @staticmethod
    def available() -> bool:
        return (PG_BIN / "initdb").exists() and shutil.which("runuser") is not None and os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=120)

    def init(self) -> "PostgresCluster":
        self.directory.chmod(0o755)
        shutil.chown(self.directory, "postgres", "postgres")
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        return self

    def _ctl(self, action: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c max_connections=100"
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-m", "fast", "-w", action
        )

    def start(self) -> "PostgresCluster":
        self._ctl("start")
        wait_for_port(self.port, timeout=30)
        return self

    def restart(self) -> None:
        self._ctl("restart")
        wait_for_port(self.port, timeout=30)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._ctl("stop")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
