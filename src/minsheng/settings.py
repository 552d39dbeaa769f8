"""Typed settings, read from the environment (prefix MINSHENG_) when first asked for.

MINSHENG_DATA          data directory (default ./minsheng-data)
MINSHENG_DATABASE_URL  SQLAlchemy URL; default: SQLite file minsheng.db in the data directory
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINSHENG_", extra="ignore")

    data: Path = Path("minsheng-data")
    database_url: str | None = None
    data_key: str | None = None
    env: str = "development"
    cipher: str = "sm4-gcm"
    session_minutes: int = 480  # a working day; a lost laptop's session dies by evening
    department_token_days: int = 90
    web_threads: int = 4  # worker threads of the web server's sync routes (see web.app)
    # probabilistic linkage thresholds, in match weight (bits, prior included; see minsheng.linkage.scoring)
    link_upper: float = 6.0  # at or above (and `link_margin` ahead of the runner-up): linked
    link_lower: float = -2.0  # at or above: to the review queue; below: stays unmatched
    link_margin: float = 5.0

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data / 'minsheng.db').resolve()}"


@cache
def get_settings() -> Settings:
    return Settings()
