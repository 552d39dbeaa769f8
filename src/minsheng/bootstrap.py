"""The composition root: settings in, a ready registry engine out.

The CLI, the web app and the tests call `bootstrap`; nothing else builds an
engine from a URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from minsheng.registry.store import open_engine
from minsheng.security.keys import load_cipher
from minsheng.security.personal_data import PersonalDataCipher
from minsheng.settings import Settings, get_settings


@dataclass
class App:
    settings: Settings
    engine: Engine
    cipher: PersonalDataCipher


def bootstrap(settings: Settings | None = None) -> App:
    settings = settings or get_settings()
    settings.data.mkdir(parents=True, exist_ok=True)
    cipher = load_cipher(settings.data_key, settings.data, env=settings.env, algorithm=settings.cipher)
    return App(settings, open_engine(settings.resolved_database_url(), cipher), cipher)
