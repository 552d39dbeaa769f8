"""The composition root: settings in, a ready registry engine out.

The CLI, the web app and the tests call `bootstrap`; nothing else builds an
engine from a URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from minsheng.contract.private_files import private_dir
from minsheng.db.store import open_engine
from minsheng.privacy.keys import load_cipher
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.security import audit
from minsheng.settings import Settings, get_settings


@dataclass
class App:
    settings: Settings
    engine: Engine
    cipher: PersonalDataCipher


def bootstrap(settings: Settings | None = None) -> App:
    settings = settings or get_settings()
    private_dir(settings.data)  # 0700: keys, database, reports and uploads name people
    cipher = load_cipher(settings.data_key, settings.data, env=settings.env, algorithm=settings.cipher)
    engine = open_engine(settings.resolved_database_url(), cipher)
    audit.bind(engine, settings.data)  # the audit log's keys and anchors: the data directory, never the database
    return App(settings, engine, cipher)
