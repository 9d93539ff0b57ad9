"""The two storage baselines of bench/perf.py, with `eventsourcing` alone: what our write and
rebuild paths are held against.

- save: an Application of its own with an Aggregate that triggers 500 events per save, each
  carrying a dict shaped like one of our events; the same SQLite module (WAL, synchronous=FULL
  by SQLite's default, as the service) on a file of its own.
- read: the notification log of the service's own events, a page of 1000 at a time, each
  event's state decoded from JSON: the least any rebuild must do. The rows are first copied,
  untimed, into a table of eventsourcing's own shape (ours names its rowid `position`, which
  eventsourcing's select_notifications does not expect).

Run as a script, each prints one number (events per second) so it runs in a fresh process,
as the service and the CLI do: `python bench/baselines.py save DIR` / `read DB_FILE`."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

PAGE = 1000


class Talks(Aggregate):
    class Said(Aggregate.Event):
        record: dict[str, Any]

        def apply(self, aggregate: Aggregate) -> None:
            pass

    def say(self, record: dict[str, Any]) -> None:
        self.trigger_event(self.Said, record=record)


class Bare(Application[Any]):
    pass


def save_rate(directory: str, events: int, batch: int, record: dict[str, Any]) -> float:
    """Events per second saved `batch` at a time into one aggregate."""
    app = Bare(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(Path(directory) / "bare.db")})
    talks = Talks()
    app.save(talks)
    started = time.perf_counter()
    for n in range(0, events, batch):
        for i in range(batch):
            talks.say({**record, "text": f"statement {n + i}"})
        app.save(talks)
    elapsed = time.perf_counter() - started
    app.close()
    return events / elapsed


def read_rate(db_file: str) -> tuple[float, int]:
    """(events per second, events read) through select_notifications and json.loads."""
    copy = str(Path(db_file).with_suffix(".bare.db"))
    datastore = SQLiteDatastore(copy)
    recorder = SQLiteApplicationRecorder(datastore, events_table_name="stored_events")
    recorder.create_table()
    with datastore.transaction(commit=True) as c:
        c.execute("ATTACH DATABASE ? AS service", (db_file,))
        c.execute("INSERT INTO stored_events (originator_id, originator_version, topic, state) SELECT "
                  "originator_id, originator_version, topic, state FROM service.stored_events ORDER BY position")
    with datastore.transaction(commit=True) as c:
        c.execute("DETACH DATABASE service")
    started, count, start = time.perf_counter(), 0, 1
    while True:
        page = recorder.select_notifications(start, PAGE)
        for notification in page:
            json.loads(notification.state)
        count += len(page)
        if len(page) < PAGE:
            break
        start = page[-1].id + 1
    elapsed = time.perf_counter() - started
    datastore.close()
    Path(copy).unlink()
    return count / elapsed, count


if __name__ == "__main__":
    what, where = sys.argv[1], sys.argv[2]
    if what == "save":
        statement = json.loads(sys.argv[3])
        print(save_rate(where, int(sys.argv[4]), int(sys.argv[5]), statement))
    else:
        rate, count = read_rate(where)
        print(rate, count)
