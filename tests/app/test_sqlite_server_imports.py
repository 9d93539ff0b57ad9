"""A server on a SQLite file never loads PostgreSQL's driver, nor the HTTP client that fetches
an identity provider's keys: each costs every such server megabytes of resident memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SERVER_ON_SQLITE = """
import sys
from api.app import create_app
from api.cli import main
from api.services import Services
from api.settings import Settings
settings = Settings(db=sys.argv[1])
services = Services.open(settings)
create_app(settings, services)
services.close()
print(sorted({m.split(".")[0] for m in sys.modules} & {"psycopg", "psycopg_pool", "httpx"}))
"""


def test_a_server_on_sqlite_loads_neither_psycopg_nor_httpx(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", SERVER_ON_SQLITE, str(tmp_path / "log.db")], capture_output=True,
                          text=True, check=True, cwd=Path(__file__).parents[2])
    assert done.stdout.strip() == "[]", done.stderr
