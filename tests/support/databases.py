"""Private PostgreSQL and Redis servers for the production-profile tests: Debian's binaries
(scripts/ensure_services.sh installs them), a temporary directory, a free loopback port, no
persistence beyond the test session."""
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from tests.support.services import free_port, stop_process


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is missing: run scripts/ensure_services.sh")
    return found[-1]


def _as_postgres_user(command: List[str]) -> List[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` system user then."""
    if os.geteuid() != 0:
        return command
    pwd.getpwnam("postgres")  # created by Debian's postgresql package
    return ["runuser", "-u", "postgres", "--"] + command


@dataclass
class Postgres:
    port: int = field(default_factory=free_port)
    user: str = "segib"
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="segib-pg-")))

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def start(self) -> "Postgres":
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        subprocess.run(_as_postgres_user([_postgres_bin("initdb"), "-D", str(self.data), "-U", self.user,
                                          "-A", "trust", "-E", "UTF8", "--no-sync"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self.resume()

    def resume(self) -> "Postgres":
        """Starts the server on its existing data (after `start`, or `halt`)."""
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c max_connections=200")
        subprocess.run(_as_postgres_user([_postgres_bin("pg_ctl"), "-D", str(self.data), "-o", options,
                                          "-l", str(self.directory / "postgres.log"), "-w", "-t", "60",
                                          "start"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def halt(self) -> None:
        """Stops the server (a database outage), keeping its data for `resume`."""
        subprocess.run(_as_postgres_user([_postgres_bin("pg_ctl"), "-D", str(self.data), "-m", "fast",
                                          "-w", "stop"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def env(self, database: str) -> dict:
        """The endpoints.production.yml variables for this server and database."""
        return {"DB_HOST": "127.0.0.1", "DB_PORT": str(self.port), "DB_USER": self.user, "DB_PASSWORD": "",
                "DB_NAME": database, "DB_LOGIN_DB": "postgres"}

    def connect(self, database: str):
        import psycopg2

        return psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, dbname=database)

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run(_as_postgres_user([_postgres_bin("pg_ctl"), "-D", str(self.data), "-m", "fast",
                                              "-w", "stop"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class Redis:
    port: int = field(default_factory=free_port)
    process: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 30) -> "Redis":
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server is missing: run scripts/ensure_services.sh")
        self.process = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return self
            except redis.exceptions.ConnectionError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("redis-server did not answer")

    def env(self, db: int = 1) -> dict:
        return {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.port), "REDIS_PASSWORD": "",
                "REDIS_DB": str(db)}

    def stop(self) -> None:
        stop_process(self.process, timeout=10)
