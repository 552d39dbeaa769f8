"""Anchors (锚点) of the audit log: signed checkpoints kept outside the database.

An anchor says "at <at>, entry <last_id> of the chain had hash <last_hash>, and the
entries after <keyed_after> are keyed", signed with the data directory's Ed25519 key
(privacy.keys). Anchors are appended, one JSON line each, to `<data>/audit-anchors.jsonl`
(mode 0600, opened O_APPEND). `security.audit.verify` holds the chain against every
anchor: a chain that ends before an anchored entry had its tail cut; an anchored entry
with another hash was rewritten, it or an entry before it.

A file on the same machine protects only against someone who can change the database
and not the data directory. Copy the file, or at least its last line (`minsheng audit
anchor` prints it, with the public key that checks it), off the machine: the daily
report is a good place.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ANCHORS_FILE = "audit-anchors.jsonl"
VERSION = 1


@dataclass(frozen=True)
class Anchor:
    last_id: int
    last_hash: str
    keyed_after: int
    at: str  # ISO 8601, UTC, to the second

    def payload(self) -> bytes:
        """What the signature covers: the four fields and the format's version, canonical JSON."""
        fields = {**asdict(self), "v": VERSION}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("ascii")


class BadAnchor(Exception):
    """A line of the anchor file that does not parse or whose signature does not check."""

    def __init__(self, path: Path, line: int) -> None:
        super().__init__(f"{path.name}:{line}")
        self.path = path
        self.line = line


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def write(path: Path, anchor: Anchor, key: Ed25519PrivateKey) -> str:
    """Append the signed anchor to the file; returns the line written."""
    signature = base64.b64encode(key.sign(anchor.payload())).decode("ascii")
    line = json.dumps({**asdict(anchor), "v": VERSION, "sig": signature}, sort_keys=True) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: every write lands at the end, whoever else appends; one write() per line,
    # so two processes anchoring at once never interleave within a line.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return line


def read(path: Path, key: Ed25519PublicKey) -> list[Anchor]:
    """Every anchor in the file (none when there is no file yet); BadAnchor names the first bad line."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return []
    except UnicodeDecodeError:
        raise BadAnchor(path, 1) from None
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
            anchor = Anchor(
                int(fields["last_id"]), str(fields["last_hash"]), int(fields["keyed_after"]), str(fields["at"])
            )
            if fields.get("v") != VERSION:
                raise ValueError(fields.get("v"))
            key.verify(base64.b64decode(fields["sig"], validate=True), anchor.payload())
        except (ValueError, KeyError, TypeError, binascii.Error, InvalidSignature):
            raise BadAnchor(path, number) from None
        anchors.append(anchor)
    return anchors
