"""Where the data key comes from.

`MINSHENG_DATA_KEY` (base64, ≥ 32 random bytes) in production. In development
(`MINSHENG_ENV` unset or `development`) a key is generated once into
`<data>/keys/data.key` (mode 0600) so the embedded demo works out of the box;
outside development a missing key is refused, never invented.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from minsheng.errors import ConfigError
from minsheng.security.personal_data import PersonalDataCipher


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
