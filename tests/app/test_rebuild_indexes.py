"""A rebuild leaves the read models with every index a new database gives them, whether it
kept them in step (beside another process on a SQLite file) or built them after the fill
(PostgreSQL, or a SQLite file no other process has open)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.services import Services
from domain.storage.database import Database
from projections.store.rebuild import rebuild
from projections.store.shadow import ALTERNATE
from projections.target_index import TargetIndex
from projections.timeline_index import TimelineIndex
from tests.app.test_read_model_store import append, open_negotiation
from tests.app.test_rebuild_pauses import another_process_on

ROUNDS = [{"type": "round.proposed", "occurred_at": f"2025-02-{d:02d}", "round_id": f"r{d}"} for d in range(1, 20)]


def indexes(database: Database) -> set[tuple[str, str]]:
    """(table, definition) of every index on a read-model table, under either of its names."""
    if database.dialect.name == "postgres":
        found = database.query(  # not the primary keys: named after the table they were made for
            "SELECT t.relname AS tbl, i.relname AS name, pg_get_indexdef(i.oid) AS sql FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema() AND NOT x.indisprimary")
    else:
        found = database.query("SELECT tbl_name AS tbl, name, sql FROM sqlite_master WHERE type = 'index' "
                               "AND sql IS NOT NULL")
    out = set()
    for row in found:
        name = row["name"].removesuffix(ALTERNATE)
        definition = re.sub(r"\b" + re.escape(row["name"]) + r"\b", name, row["sql"]).replace("IF NOT EXISTS ", "")
        # A renamed table is named in quotes (SQLite), or with its schema (PostgreSQL).
        definition = definition.replace('"', "").replace(" ON public.", " ON ")
        out.add((row["tbl"], re.sub(r"\s+", " ", definition)))
    return out


def test_a_rebuild_leaves_every_index_a_new_database_has(services: Services) -> None:
    rebuilt_as_new(services, beside=False)


@pytest.mark.sqlite_only
def test_a_rebuild_beside_another_process_leaves_every_index_a_new_database_has(services: Services) -> None:
    rebuilt_as_new(services, beside=True)


def rebuilt_as_new(services: Services, *, beside: bool) -> None:
    database = services.log.database
    nid = open_negotiation(services)
    append(services, nid, *ROUNDS)
    new = indexes(database)
    assert {t for t, _ in new} >= {"nl_read_events", "nl_read_touches", "nl_read_models", "nl_timeline"}
    if beside:
        with another_process_on(Path(database.query("PRAGMA database_list")[0]["file"])):
            rebuild(database, also=[TargetIndex(), TimelineIndex()])
    else:
        rebuild(database, also=[TargetIndex(), TimelineIndex()])
    assert indexes(database) == new
    rebuild(database, also=[TargetIndex(), TimelineIndex()])  # and back to the first names
    assert indexes(database) == new
