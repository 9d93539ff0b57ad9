"""Erasing fields where they are stored (docs/api.md §10), inside the transaction that records
the `record.erased` event: the stored event is rewritten without the values, its leaf row
keeps the erased fields' digests and loses their salts. The leaf itself is not touched, so
every proof and checkpoint stays valid; the read models refreshed in the same transaction
(by the hooks, which run after this) fold the event as it now reads."""

from __future__ import annotations

from collections.abc import Sequence

from domain import jsonfast
from domain.erasure import erased_digests, erased_record
from domain.storage.cursor import Cursor
from domain.storage.dialect import Dialect


def erase_stored(cursor: Cursor, dialect: Dialect, target_event_id: str, names: Sequence[str]) -> None:
    """Erases `names` of the stored event; names already erased (an import carrying an
    erasure whose target came already erased) are left as they are."""
    pos, events = dialect.position_column, dialect.events_table
    cursor.execute(dialect.sql(f"SELECT e.{pos} AS position, e.state, l.salts, l.erased FROM nl_leaves l "
                               f"JOIN {events} e ON e.{pos} = l.position WHERE l.event_id = ?"), (target_event_id,))
    row = cursor.fetchone()
    assert row is not None, f"the erased event {target_event_id} is stored"
    state = jsonfast.loads(row["state"])
    record = state["record"]
    names = [name for name in names if name not in (record.get("erased") or ())]
    if not names:
        return
    salts = jsonfast.loads(row["salts"])
    kept = {**(jsonfast.loads(row["erased"]) if row["erased"] else {}), **erased_digests(record, salts, names)}
    state["record"] = erased_record(record, names)
    for name in names:
        del salts[name]
    cursor.execute(dialect.sql(f"UPDATE {events} SET state = ? WHERE {pos} = ?"),
                   (jsonfast.dumps(state), row["position"]))
    cursor.execute(dialect.sql("UPDATE nl_leaves SET salts = ?, erased = ? WHERE position = ?"),
                   (jsonfast.dumps(salts).decode(), jsonfast.dumps(kept).decode(), row["position"]))
