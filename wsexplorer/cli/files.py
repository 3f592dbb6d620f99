"""``wsexplorer import FILE -o SESSION`` and ``wsexplorer export SESSION --pcapng|--har``.

``import`` reads a pcap or pcapng capture (with a progress bar on a terminal) or a HAR, lists the
WebSocket connections found, and writes each as a session file (docs/session-format.md): SESSION
when there is one (or ``--connection N`` picks one), SESSION-1, SESSION-2, ... otherwise. Credential
headers are redacted in the files. ``export`` writes a session as a pcapng capture that Wireshark and
tshark dissect as WebSocket, or as a HAR in Chrome's format (messages only).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..record.har import export_har, import_har, message_log
from ..record.har_session import REBUILT_NOTE, session_of_log
from ..record.pcap import export_pcapng, import_capture
from ..record.session import Session
from ..record.storage import load_session
from ..render.terminal import progress_bar, table
from .app import BAD_INPUT, OK, USAGE, CliError, Output
from .inputs import file_kind

__all__ = ["run"]


def run(args: argparse.Namespace, output: Output) -> int:
    if args.command == "import":
        return import_file(args, output)
    return export_file(args, output)


def _numbered(path: Path, number: int) -> Path:
    return path.with_name(f"{path.stem}-{number}{path.suffix}")


def import_file(args: argparse.Namespace, output: Output) -> int:
    path = args.file
    kind = file_kind(path)
    found: list[tuple[str, Session]] = []
    notes: list[str] = []
    rows: list[tuple[object, ...]] = []
    if kind in ("pcap", "pcapng"):
        with progress_bar(output.err, f"importing {os.path.basename(path)}", os.path.getsize(path)) as update:
            capture = import_capture(path, progress=update, max_bytes=args.max_bytes)
        if not capture.websockets:
            raise CliError(f"no WebSocket connection to import: {capture.summary()}", BAD_INPUT)
        notes.append(capture.summary())
        for number, ws in enumerate(capture.websockets, start=1):
            s = ws.session
            packets = f"{ws.packets.first}..{ws.packets.last}"
            rows.append(
                (
                    number,
                    ws.client,
                    ws.server,
                    s.meta.get("url", ""),
                    s.frame_count(),
                    s.byte_count(),
                    packets,
                )
            )
            found.append((f"connection {number} ({ws.client} → {ws.server})", s))
        for tls in capture.tls:
            notes.append(
                f"TLS {tls.client} → {tls.server} ({tls.server_name or 'no SNI'}): encrypted, not imported"
            )
    elif kind == "har":
        for log in import_har(path):
            try:
                found.append((f"entry {log.entry} ({log.url})", session_of_log(log)))
            except ValueError as exc:
                notes.append(f"entry {log.entry} ({log.url}): not imported: {exc}")
        notes.append(f"note: {REBUILT_NOTE}")
    else:
        raise CliError(f"{path} is already a session file: `wsexplorer export` writes it as pcapng or HAR")
    if not found:
        raise CliError(f"{path}: no WebSocket connection to import", BAD_INPUT)
    if args.connection is not None:
        if not 1 <= args.connection <= len(found):
            raise CliError(
                f"--connection {args.connection}: {path} has {len(found)} WebSocket connection(s)", USAGE
            )
        found = [found[args.connection - 1]]
    target = Path(args.output)
    if not target.parent.is_dir():
        raise CliError(f"{target}: cannot write: no directory {target.parent}")
    for note in notes:
        output.note(note)
    if rows:
        output.out.print(table(("#", "client", "server", "url", "frames", "bytes", "packets"), rows))
    for number, (label, session) in enumerate(found, start=1):
        out = target if len(found) == 1 else _numbered(target, number)
        try:
            session.save(out)
        except OSError as exc:
            raise CliError(f"{out}: cannot write: {exc.strerror or exc}") from None
        except ValueError as exc:  # a session the format cannot hold (times going back)
            raise CliError(f"{out}: {exc}") from None
        output.out.print(
            f"wrote {out}: {label}, {session.frame_count()} frames, {session.byte_count():,} bytes"
        )
    return OK


def _epoch_offset_ns(session: Session) -> int:
    """What turns the session's times into wall-clock times: 0 for a capture (already since 1970)."""
    clock = session.meta.get("clock")
    if isinstance(clock, dict):
        wall, mono = clock.get("wall"), clock.get("monotonic_ns")
        if isinstance(wall, (int, float)) and isinstance(mono, int) and wall:
            return round(wall * 1e9) - mono
    return 0


def export_file(args: argparse.Namespace, output: Output) -> int:
    session = load_session(args.session)
    suffix = ".pcapng" if args.pcapng else ".har"
    out = Path(args.output) if args.output else Path(args.session).with_suffix(suffix)
    if out.resolve() == Path(args.session).resolve():
        raise CliError(f"{out}: would overwrite the session itself; choose another name with -o", USAGE)
    redact = not args.no_redact
    try:
        if args.pcapng:
            export_pcapng(session, out, redact=redact)
        else:
            export_har(message_log(session, epoch_offset_ns=_epoch_offset_ns(session)), out, redact=redact)
    except OSError as exc:
        raise CliError(f"{out}: cannot write: {exc.strerror or exc}") from None
    what = "pcapng capture" if args.pcapng else "HAR (messages only)"
    output.out.print(f"wrote {out}: {what} of {session.frame_count()} frames, {out.stat().st_size:,} bytes")
    if not redact:
        output.note("note: credential headers kept as recorded (--no-redact)")
    return OK
