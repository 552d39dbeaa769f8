"""Every error minsheng raises on purpose, as one tree.

    MinshengError                  a sentence for the user, in Chinese and English
    ├── CodeError                  a national code is malformed or unknown
    │   ├── IdNumberError          GB 11643 citizen ID number; `.part` names what is wrong
    │   └── DivisionError          GB/T 2260 division code
    ├── ConfigError                settings or data directory unusable
    ├── ImportRejected             an input file was refused; nothing was written
    ├── StoreError                 the registry database is unreachable or out of date
    │   └── StoreBusy              another writer held the database too long: try again (503)
    ├── AccessError                what the acting user may not do or see
    │   ├── NotAuthenticated       no valid session or token (HTTP 401)
    │   ├── Forbidden              the role may not do this (403)
    │   └── NotFound               no such record in the user's jurisdiction (404): a record
    │                              of another area looks exactly like one that does not exist
    ├── Conflict                   changed by someone else since it was read, or not allowed
    │                              in its current state (409)
    ├── InvalidInput               a request's content is wrong; says which field (422)
    └── RuleError                  rules as code
        ├── RuleDataError          a parameter, reform or scenario file is wrong: file, line, what to fix
        ├── ModelError             formulas do not form a valid graph (cycle, unknown input)
        └── MissingParameterValue  a region has no value for a parameter that must have one

The CLI and the web turn a `MinshengError` into its message; anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations


class MinshengError(Exception):
    """Base class: carries a Chinese and an English message."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en

    def message(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"


class CodeError(MinshengError):
    """A national standard code is malformed or unknown."""


class IdNumberError(CodeError):
    """A citizen ID number fails GB 11643; `part` is one of
    `length`, `characters`, `region`, `birth_date`, `check_digit`."""

    def __init__(self, part: str, zh: str, en: str) -> None:
        super().__init__(zh, en)
        self.part = part


class DivisionError(CodeError):
    """An administrative division code is malformed or not in the division list."""


class ConfigError(MinshengError):
    """Settings or the data directory cannot be used."""


class ImportRejected(MinshengError):
    """An import was refused as a whole; `report` holds the row errors, if any."""

    def __init__(self, zh: str, en: str, report: object | None = None) -> None:
        super().__init__(zh, en)
        self.report = report


class StoreError(MinshengError):
    """The registry database is unreachable or its schema is out of date."""


class StoreBusy(StoreError):
    """Another writer (an import) held the database longer than a writer waits: try again."""


class AccessError(MinshengError):
    """The acting user may not do or see this."""


class NotAuthenticated(AccessError):
    """No valid session or token: log in again."""


class Forbidden(AccessError):
    """The user's role does not allow the operation."""


class NotFound(AccessError):
    """No such record within the user's jurisdiction."""


class Conflict(MinshengError):
    """A stale version (optimistic locking) or a transition the record's state does not allow."""


class InvalidInput(MinshengError):
    """A request's content is wrong; `field` names where."""

    def __init__(self, field: str, zh: str, en: str) -> None:
        super().__init__(f"{field}：{zh}", f"{field}: {en}")
        self.field = field


class RuleError(MinshengError):
    """Rules as code: bad rule data or a bad model."""


class RuleDataError(RuleError):
    """A rule data file is wrong; the message names the file, the line and what to fix."""

    def __init__(self, file: str, line: int | None, zh: str, en: str) -> None:
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}：{zh}", f"{where}: {en}")
        self.file = file
        self.line = line


class ModelError(RuleError):
    """The formulas do not form a valid dependency graph."""


class MissingParameterValue(RuleError):
    """A row's region has no value for a parameter that declares `missing: error`."""
