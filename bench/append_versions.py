"""What a plain append costs in this checkout against another version of the code (issue 15:
"nothing here may slow a plain append by more than 10 %"), measured in one run, alternately.

    python bench/append_versions.py --baseline DIR [--rounds 6] [--appends 200] [--batches 20]

DIR is a checkout of the baseline version (e.g. `git worktree add /tmp/base cb388b7`); both
run from this script in child processes, each with its own code on its path and this
checkout's virtualenv. Each round runs both versions, in alternating order, on a fresh SQLite
database file with the service's default settings: a negotiation of 2,000 statements is filled,
then `--appends` single-statement appends and `--batches` batches of 500 statements are timed,
through the application (NegotiationLog.append, as the HTTP route's writer calls it), with the
cyclic collector as `serve` sets it (`--collector default`: CPython's). Printed:
the median per append (and per event in batches) of each version over the rounds, and the
ratio this checkout / baseline."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Run in the child, from the version's own directory: only names both versions have.
WORKLOAD = r"""
import json, statistics, sys, tempfile, time
from pathlib import Path
sys.path[:0] = [".", "bench"]
from api.services import Services
from api.settings import Settings
from domain.application import AppendRequest
from statements import append_statements, open_negotiation, statement
appends, batches = int(sys.argv[1]), int(sys.argv[2])
scratch = Path(tempfile.mkdtemp(prefix="nl-append-"))
services = Services.open(Settings(db=str(scratch / "log.db"), signing_key=scratch / "signing.ed25519"))
if sys.argv[3:]:  # the collector as `serve` sets it, given as numbers: a baseline may predate it
    import gc
    young, older = map(int, sys.argv[3:5])
    gc.collect()
    gc.freeze()
    gc.set_threshold(young, older, older)
try:
    log = services.log
    nid = open_negotiation(log)
    append_statements(log, nid, 1, 2000)
    singles = []
    for n in range(appends):
        started = time.perf_counter()
        log.append(AppendRequest(principal="bench", negotiation_id=nid, events=[statement(10_000 + n)]))
        singles.append(time.perf_counter() - started)
    batched = []
    for b in range(batches):
        events = [statement(100_000 + 500 * b + i) for i in range(500)]
        started = time.perf_counter()
        log.append(AppendRequest(principal="bench", negotiation_id=nid, batch=True, events=events))
        batched.append((time.perf_counter() - started) / 500)
    print(json.dumps({"single": statistics.median(singles), "batched": statistics.median(batched)}))
finally:
    services.close()
"""


def run(tree: Path, appends: int, batches: int, collector: list[str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", WORKLOAD, str(appends), str(batches), *collector], cwd=tree,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, required=True, help="a checkout of the baseline version")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--appends", type=int, default=200)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--collector", choices=("serve", "default"), default="serve",
                        help="the cyclic collector as `negotiation-log serve` sets it (api/cli/memory.py), "
                             "in both versions, or CPython's default")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    from api.cli.memory import OLDER, YOUNG
    collector = [str(YOUNG), str(OLDER)] if args.collector == "serve" else []
    trees = {"baseline": args.baseline.resolve(), "this checkout": HERE.parent}
    found: dict[str, dict[str, list[float]]] = {name: {"single": [], "batched": []} for name in trees}
    for round_ in range(args.rounds):
        order = list(trees) if round_ % 2 == 0 else list(reversed(trees))
        for name in order:
            for what, seconds in run(trees[name], args.appends, args.batches, collector).items():
                found[name][what].append(seconds)
        print(f"round {round_ + 1} of {args.rounds}: " + ", ".join(
            f"{name} {found[name]['single'][-1] * 1000:.2f} ms / {found[name]['batched'][-1] * 1e6:.0f} µs"
            for name in trees), flush=True)
    print(f"\nbench/append_versions.py --baseline {args.baseline} --rounds {args.rounds} --appends {args.appends} "
          f"--batches {args.batches} --collector {args.collector} (in-process, SQLite, medians over the rounds)")
    for what, unit, scale in (("single", "ms per single-event append", 1000), ("batched", "µs per event in batches of 500", 1e6)):
        base = statistics.median(found["baseline"][what])
        mine = statistics.median(found["this checkout"][what])
        print(f"{unit:<34} baseline {base * scale:9.2f}  this checkout {mine * scale:9.2f}  ratio {mine / base:5.2f}")


if __name__ == "__main__":
    main()
