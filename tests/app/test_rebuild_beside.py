"""The rebuild builds copies beside the live read models and renames them into place: any
number of rebuilds leave each index once (under one of its two names) and no copy behind,
a restart finds the indexes it expects, and a rebuild writes no table it was not told of."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from api.services import Services
from api.settings import Settings
from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor
from projections.store.queries import ReadModels
from projections.store.rebuild import rebuild
from projections.store.shadow import ALTERNATE, ShadowWriteRefused
from projections.target_index import TargetIndex
from projections.timeline_index import TimelineIndex
from tests.app.test_rebuild_pages import history
from tests.app.test_read_model_properties import run
from tests.app.test_read_model_store import open_negotiation
from tests.views import views_match_replay

def catalogue(services: Services) -> tuple[list[str], list[str]]:
    """(tables, indexes with ALTERNATE taken off) of ours, sorted."""
    db = services.log.database
    if db.dialect.name == "postgres":
        found = [r for r in db.query("SELECT c.relname AS name, c.relkind AS kind FROM pg_class c JOIN pg_namespace n "
                                     "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
                                     "AND c.relkind IN ('r', 'i')")
                 # Our own names, not those PostgreSQL gives the primary keys and unique constraints.
                 if r["name"].startswith("nl_") and not r["name"].endswith(("_pkey", "_key"))
                 and "_pkey" not in r["name"]]
        tables = [r["name"] for r in found if r["kind"] == "r"]
        indexes = [r["name"] for r in found if r["kind"] == "i"]
    else:
        found = [r for r in db.query("SELECT name, type FROM sqlite_master") if r["name"].startswith("nl_")]
        tables = [r["name"] for r in found if r["type"] == "table"]
        indexes = [r["name"] for r in found if r["type"] == "index"]
    return sorted(tables), sorted(i.removesuffix(ALTERNATE) for i in indexes)


def test_rebuilds_in_a_row_leave_every_table_and_index_once_and_the_views_right(settings: Settings,
                                                                               tmp_path: Path) -> None:
    services = Services.open(settings)
    try:
        nid = open_negotiation(services)
        run(services, nid, history(random.Random(3), 120))
        before = catalogue(services)
        for _ in range(3):
            rebuild(services.log.database, also=[TargetIndex(), TimelineIndex()])
            tables, indexes = catalogue(services)
            assert (tables, indexes) == before  # no copy left behind, each index once
        assert views_match_replay(ReadModels(services.log), nid, services.log.stream(nid))
    finally:
        services.close()
    reopened = Services.open(settings)  # creates what is missing, under the names in use
    try:
        assert catalogue(reopened) == before
        assert views_match_replay(ReadModels(reopened.log), nid, reopened.log.stream(nid))
    finally:
        reopened.close()


class Undeclared:
    """A Rebuildable that writes a table it does not list in `tables`."""

    tables: tuple[str, ...] = ()
    holds_values = False

    def create_tables(self, cursor: Cursor, dialect: Dialect) -> None:
        pass

    def after_insert(self, cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]]) -> None:
        pass

    def reset(self, cursor: Cursor, dialect: Dialect) -> None:
        cursor.execute("DROP TABLE IF EXISTS nl_tokens")  # not a read model at all

    def finish(self, cursor: Cursor, dialect: Dialect) -> None:
        pass


def test_a_rebuild_refuses_to_write_a_table_it_was_not_told_of(services: Services) -> None:
    nid = open_negotiation(services)
    with pytest.raises(ShadowWriteRefused):
        rebuild(services.log.database, also=[Undeclared()])  # type: ignore[list-item]
    assert ReadModels(services.log).negotiation(nid)["version"] == 1
    assert services.principals.list() == []  # nl_tokens is still there
