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
    web_workers: int = 1  # server processes (PostgreSQL only: SQLite keeps its writers in one process)
    # probabilistic linkage thresholds, in match weight (bits, prior included; see minsheng.linkage.scoring)
    link_upper: float = 4.5  # at or above (and `link_margin` ahead of the runner-up): linked
    link_lower: float = -2.0  # at or above: to the review queue; below: stays unmatched
    link_margin: float = 5.0
    # days an import's error reports and reject files stay in their folder (reports/); each new
    # report deletes older ones (they name people). A negative number keeps them for ever.
    report_keep_days: int = 30
    # failed logins (see minsheng.security.throttle): refused for a while after this many failures
    # within the window, per user name, and per client address (higher: an office shares one)
    login_failures_per_user: int = 5
    login_failures_per_address: int = 30
    login_failure_window_minutes: int = 15
    # request bodies (see web.middleware.BodyLimit): any request, and the routes that take files
    max_request_bytes: int = 1024**2  # forms and JSON are a few KiB; 1 MiB leaves room
    max_upload_bytes: int = 256 * 1024**2  # above the upload routes' own 200 MiB a file, which answer first

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data / 'minsheng.db').resolve()}"

    def resolved_web_workers(self) -> int:
        """Server processes: as set on PostgreSQL, which takes writers from many processes;
        always one on SQLite, whose writers take turns inside one process (registry.store)."""
        return max(self.web_workers, 1) if self.resolved_database_url().startswith("postgresql") else 1


@cache
def get_settings() -> Settings:
    return Settings()
