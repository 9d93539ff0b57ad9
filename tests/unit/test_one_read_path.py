"""Routes, the fast paths and the stream read the record only through the viewer's reads
(projections.reading), so that no endpoint can forget the workspace filter: the readers
beneath it are named only where the service is put together, and by the CLI, which is the
operator working on the database itself."""

from __future__ import annotations

import ast
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "api"
# Where the readers beneath the viewer's reads may be named.
COMPOSITION = {API / "services.py"}
OPERATOR = API / "cli"
READERS = {"ReadModels", "read_record", "LogQueries", "TargetIndex", "LogProofs", "EventLog"}
READER_ATTRIBUTES = {"queries", "proofs", "targets", "event_log", "stream", "event", "stream_pages", "models"}


def _offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Name) and node.id in READERS:
            found.append(f"{path.name}:{node.lineno} names {node.id}")
        elif isinstance(node, ast.alias) and node.name.split(".")[-1] in READERS:
            found.append(f"{path.name}:{node.lineno} imports {node.name}")
        elif (isinstance(node, ast.Attribute) and node.attr in READER_ATTRIBUTES
              and isinstance(node.value, (ast.Name, ast.Attribute))
              and ast.unparse(node.value).split(".")[-1] in ("svc", "services", "log", "self.services")):
            found.append(f"{path.name}:{node.lineno} reads {ast.unparse(node)}")
    return found


def test_the_api_reads_the_record_only_through_the_viewers_reads() -> None:
    modules = [p for p in API.rglob("*.py") if p not in COMPOSITION and OPERATOR not in p.parents]
    assert len(modules) > 20
    offences = [o for path in modules for o in _offences(path)]
    assert offences == []


def test_the_check_finds_a_route_that_reads_around_the_viewer(tmp_path: Path) -> None:
    route = tmp_path / "route.py"
    route.write_text("from projections.store.queries import ReadModels\n"
                     "def get(svc):\n    return svc.log.stream('x'), svc.queries.page()\n")
    assert len(_offences(route)) == 3
