"""The `negotiation-log` command."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from domain import verifications
from domain.application import AppendRequest
from domain.errors import DomainError, RuleViolation
from domain.log_audit import SignedSize, verify_log
from domain.receipts import Failed, verify_receipt
from domain.signed_note import NoteError, VerifierKey, open_note, parse_verifier_key
from domain.tlog_formats import parse_checkpoint_text
from domain.valid_time import parse_instant
from projections.export.reading import read_record
from projections.export.record import Record, chunked
from projections.export.registry import NAMES as FORMAT_NAMES, UnknownFormat, export_format
from projections.store.rebuild import log_size, rebuild as rebuild_read_models
from projections.target_index import TargetIndex
from projections.timeline_index import TimelineIndex

from api.cli.log_files import BadInput, read_note, verifier
from api.cli.opening import DEFAULT_DB, Db, err, fail, services_on
from api.cli.serving import serve
from api.cli.tokens import tokens
from api.cli.transfer import ImportFailed, import_events
from api.routes.erasures import erasure_event

app = typer.Typer(help="An event-sourced, tamper-evident log of negotiations.", no_args_is_help=True,
                  add_completion=False)
app.command()(serve)
app.add_typer(tokens, name="token")


@app.command()
def verify(
    db: Db = DEFAULT_DB,
    checkpoint: Annotated[Path | None, typer.Option(
        "--checkpoint", help="also hold the log to this checkpoint (a signed note saved from GET /log/checkpoint)")] = None,
    key: Annotated[str | None, typer.Option(
        "--key", help="the verifier key the checkpoint must be signed by (from GET /log/key), or @FILE; "
                      "default: the service's own")] = None,
    signing_key: Annotated[Path | None, typer.Option(
        "--signing-key", envvar="NEGOTIATION_LOG_SIGNING_KEY", help="the service's key file")] = None,
) -> None:
    """Recompute every leaf from the stored values and salts and the tree from the leaves, and
    hold the tree to the last checkpoint the service signed (or to --checkpoint): exit 0 when
    intact, 1 naming the first bad position or what failed."""
    services = services_on(db, signing_key)
    try:
        signed = services.signer.last_signed()
        if checkpoint is not None:
            signed = _signed_size(read_note(checkpoint), verifier(key) if key else
                                  parse_verifier_key(services.signer.verifier_key()))
        result = verify_log(services.log.event_log, signed=signed, url=db)
        verifications.record(services.log.database, result)  # read by the API's metrics
    except BadInput as e:
        raise fail(str(e)) from None
    finally:
        services.close()
    print(json.dumps(result))
    for problem in result["problems"]:
        err.print(problem, highlight=False, soft_wrap=True)
    if not result["ok"]:
        raise typer.Exit(1)


def _signed_size(note: str, key: VerifierKey) -> SignedSize:
    try:
        body = parse_checkpoint_text(open_note(note, key))
    except (NoteError, ValueError) as e:
        raise BadInput(f"the checkpoint does not verify with {key.name}: {e}") from None
    return SignedSize(body.size, body.root)


@app.command()
def erase(
    event_id: Annotated[str, typer.Argument(help="the event whose fields to erase")],
    field: Annotated[list[str], typer.Option("--field", help="a field to erase, as leaves name it (text, "
                                                             "speaker, sources[1], …); repeat for several")],
    reason: Annotated[str, typer.Option(help="why: kept on record, never the values")],
    as_: Annotated[str, typer.Option("--as", help="principal recorded as recorded_by")] = "cli-admin",
    db: Db = DEFAULT_DB,
) -> None:
    """Erase fields of an event (as POST /negotiations/{id}/erasures does): their values and salts
    are deleted everywhere the service keeps them; every leaf, proof and checkpoint stays valid."""
    services = services_on(db)
    try:
        target = services.log.event(event_id)
        result = services.log.append(AppendRequest(
            principal=as_, negotiation_id=target["negotiation_id"], erasure=True,
            events=[erasure_event({"target_event_id": event_id, "fields": field, "reason": reason})]))
    except DomainError as e:
        raise fail(e.detail, 1 if isinstance(e, RuleViolation) else 2) from None
    finally:
        services.close()
    erased = result.events[0]
    print(json.dumps(erased, ensure_ascii=False))
    err.print(f"Erased {', '.join(erased['fields'])} of event {event_id} (record.erased {erased['event_id']}).",
              highlight=False)


receipts = typer.Typer(help="Check receipts offline.", no_args_is_help=True)
app.add_typer(receipts, name="receipt")


@receipts.command("verify")
def receipt_verify(
    file: Annotated[Path, typer.Argument(help="a receipt saved from GET /events/{event_id}/receipt")],
    key: Annotated[str, typer.Option("--key", help="the log's verifier key (from GET /log/key), or @FILE")],
) -> None:
    """Check a receipt with the log's key alone (no database, no network): exit 0 if the
    event, its disclosures, the leaf, the inclusion proof and the signed checkpoint agree, 1
    naming the check that failed."""
    try:
        vkey = verifier(key)
        receipt = json.loads(file.read_bytes())
    except BadInput as e:
        raise fail(str(e)) from None
    except OSError as e:
        raise fail(f"cannot read {file}: {e.strerror}") from None
    except ValueError as e:
        print(json.dumps({"ok": False, "check": "format", "detail": f"not JSON: {e}"}))
        err.print(f"format: {file} is not JSON ({e})", highlight=False)
        raise typer.Exit(1) from None
    try:
        proved = verify_receipt(receipt, vkey)
    except Failed as e:
        print(json.dumps({"ok": False, "check": e.check, "detail": e.detail}))
        err.print(str(e), highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    print(json.dumps({"ok": True, **proved}))


@app.command()
def export(db: Db = DEFAULT_DB,
           negotiation: Annotated[str | None, typer.Option(help="only this negotiation (needed by every format "
                                                                   "but jsonl)")] = None,
           format_: Annotated[str, typer.Option("--format", help=f"one of: {FORMAT_NAMES}")] = "jsonl",
           as_of: Annotated[str | None, typer.Option("--as-of", help="valid time: the record as of then")] = None,
           known_at: Annotated[str | None, typer.Option("--known-at", help="recorded time: as the log knew "
                                                                           "it then")] = None) -> None:
    """Write the record to stdout: JSON Lines of the events as stored (envelope included), or one
    negotiation as PLOVER, TimelineJS, CSV or iCalendar, corrections applied."""
    try:
        chosen = export_format(format_)
        axes = {name: parse_instant(text) if text else None
                for name, text in (("as_of", as_of), ("known_at", known_at))}
    except UnknownFormat as e:
        raise fail(str(e)) from None
    except ValueError as e:
        raise fail(f"--as-of / --known-at: {e}") from None
    if negotiation is None and not chosen.whole_log:
        raise fail(f"--format {chosen.name} exports one negotiation: give --negotiation ID")
    if negotiation is None and any(axes.values()):
        raise fail("--as-of and --known-at apply to one negotiation: give --negotiation ID")
    services = services_on(db)
    try:
        if negotiation is None:
            record = Record(None, events=services.log.event_log.iterate)
        else:
            record = read_record(services.log, negotiation, **axes)
        # Bytes, UTF-8 whatever the locale, and line ends as the format has them (CRLF in CSV and iCalendar).
        out = sys.stdout.buffer
        for chunk in chunked(chosen.render(record)):
            out.write(chunk.encode())
        out.flush()
    except DomainError as e:
        raise fail(e.detail) from None
    finally:
        services.close()


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
            as_: Annotated[str, typer.Option("--as", help="principal recorded as recorded_by")],
            db: Db = DEFAULT_DB) -> None:
    """Append JSON Lines events as the principal NAME, with a progress bar."""
    services = services_on(db)
    total = sum(1 for line in file.open(encoding="utf-8") if line.strip())
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err) as progress, file.open(encoding="utf-8") as lines:
            task = progress.add_task("import", total=total)
            imported = import_events(services.log, lines, as_, lambda n: progress.advance(task, n))
    except ImportFailed as e:
        raise fail(f"{e} ({e.imported} events imported before it)", 1) from None
    finally:
        services.close()
    print(f"Imported {imported} events as {as_}.")


@app.command()
def rebuild(db: Db = DEFAULT_DB) -> None:
    """Rebuild every read model from the event log beside the live ones, while the service
    runs, and switch to them in one transaction; with a progress bar."""
    services = services_on(db)
    database = services.log.database
    columns = (TextColumn("rebuilding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err) as progress:
            task = progress.add_task("rebuild", total=log_size(database))
            replayed = rebuild_read_models(database, lambda n: progress.advance(task, n),
                                           also=[TargetIndex(), TimelineIndex()])
    finally:
        services.close()
    print(f"Rebuilt the read models from {replayed} events.")


def main() -> None:
    app()
