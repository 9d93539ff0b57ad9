"""Event ids and salts draw on one pool of the system's random bytes (domain.random_pool):
each byte is handed out once, across threads, and a forked child never reuses its parent's."""

from __future__ import annotations

import os
import threading

from domain.appending import new_event_ids
from domain.leaves import new_salts
from domain.random_pool import READ, RandomPool


def test_every_take_gets_bytes_no_other_take_got() -> None:
    pool = RandomPool()
    taken = [pool.take(16) for _ in range(3 * READ // 16)]  # across several reads
    assert all(len(t) == 16 for t in taken)
    assert len(set(taken)) == len(taken)
    assert len(pool.take(READ + 1)) == READ + 1  # more than a read: straight from the system


def test_threads_taking_at_once_get_distinct_bytes() -> None:
    pool, taken, lock = RandomPool(), [], threading.Lock()

    def take() -> None:
        mine = [pool.take(8) for _ in range(2000)]
        with lock:
            taken.extend(mine)
    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(taken)) == len(taken) == 8000


def test_a_forked_child_does_not_reuse_its_parents_bytes() -> None:
    from domain.random_pool import POOL
    POOL.take(1)  # the parent holds bytes not yet handed out
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's side
        os.write(write_end, POOL.take(32))
        os._exit(0)
    os.close(write_end)
    os.waitpid(child, 0)
    childs = os.read(read_end, 32)
    os.close(read_end)
    assert len(childs) == 32 and childs != POOL.take(32)


def test_ids_and_salts_drawn_from_the_pool_stay_distinct() -> None:
    ids = [i for _ in range(200) for i in new_event_ids(5)]
    assert len(set(ids)) == len(ids)
    salts = [s for _ in range(500) for s in new_salts(["text", "speaker"]).values()]
    assert len(set(salts)) == len(salts)
