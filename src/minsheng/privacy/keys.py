"""Where the keys come from: the data key, and the audit log's two keys.

`MINSHENG_DATA_KEY` (base64, ≥ 32 random bytes) in production. In development
(`MINSHENG_ENV` unset or `development`) a key is generated once into
`<data>/keys/data.key` (mode 0600) so the embedded demo works out of the box;
outside development a missing key is refused, never invented.

The audit log's keys (security.audit) live in the data directory in every
environment and are made on first use, mode 0600; neither ever goes into the
database, which is the point of them:
- `<data>/keys/audit-chain.key`: 32 random bytes (base64), the HMAC-SM3 key of the chain;
- `<data>/keys/audit-anchor.key`: an Ed25519 private key (PKCS#8 PEM) that signs the
  checkpoints in `<data>/audit-anchors.jsonl`.
Making one where it is missing is safe: entries and anchors made under a lost key no
longer verify, so replacing a key is noticed, never silent.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from minsheng.errors import ConfigError
from minsheng.privacy.personal_data import PersonalDataCipher


def load_cipher(
    data_key: str | None, data_dir: Path, *, env: str = "development", algorithm: str = "sm4-gcm"
) -> PersonalDataCipher:
    if data_key:
        try:
            secret = base64.b64decode(data_key, validate=True)
        except binascii.Error:
            raise ConfigError("MINSHENG_DATA_KEY 不是有效的base64", "MINSHENG_DATA_KEY is not valid base64") from None
        return PersonalDataCipher.from_secret(secret, algorithm)
    if env != "development":
        raise ConfigError(
            "生产环境必须通过 MINSHENG_DATA_KEY 提供数据密钥（base64编码的32字节以上随机数）",
            "outside development the data key must come from MINSHENG_DATA_KEY (base64 of ≥ 32 random bytes)",
        )
    path = data_dir / "keys" / "data.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(base64.b64encode(secrets.token_bytes(32)))
    return PersonalDataCipher.from_secret(base64.b64decode(path.read_bytes()), algorithm)


def load_audit_chain_key(data_dir: Path) -> bytes:
    """The HMAC-SM3 key of the audit chain (made on first use)."""
    path = data_dir / "keys" / "audit-chain.key"
    try:
        key = base64.b64decode(_key_file(path, lambda: base64.b64encode(secrets.token_bytes(32))), validate=True)
    except binascii.Error:
        key = b""
    if len(key) < 32:
        raise ConfigError(
            f"审计链密钥文件{path}已损坏（应为32字节以上随机数的base64编码）",
            f"the audit chain key {path} is damaged (not base64 of ≥ 32 bytes)",
        )
    return key


def load_audit_signing_key(data_dir: Path) -> Ed25519PrivateKey:
    """The Ed25519 key that signs the audit log's anchors (made on first use)."""
    path = data_dir / "keys" / "audit-anchor.key"
    pem = _key_file(
        path,
        lambda: Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path} 不是Ed25519私钥", f"{path} is not an Ed25519 private key")
    return key


def _key_file(path: Path, make: Callable[[], bytes]) -> bytes:
    """The file's bytes; made first (mode 0600) when missing. Several processes may start at once
    (web workers): the key is written to a private temporary file and linked into place, so a
    reader never sees half a key and the first writer wins."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(make())
                fh.flush()
                os.fsync(fh.fileno())
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_bytes()
