"""Request bodies of the API (responses are documented by example in docs/api.md).

Every body is a `Body`: Python's JSON reader takes NaN and Infinity (not JSON, but sent), and
pydantic would pass them on; a body with one is refused with 422 before any use case sees it
(security #6). Free-form parts (findings) are JSON values, checked the same way, and bounded
by the use case that reads them (`casework.findings`: the contract's ranges).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, JsonValue


class Body(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)


Version = Field(
    ge=1, le=2**31 - 1, description="the version you read: a stale one is refused with 409 (optimistic locking)"
)


class Login(Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Search(Body):
    q: str = Field(min_length=1, max_length=64, description="ID number, household number or part of a name")
    township: str = Field(default="", max_length=12, pattern="^[0-9]*$")
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=2**31 - 1)


class Assign(Body):
    assignee: str = Field(min_length=1, max_length=64)
    version: int = Version


class FindingsPreview(Body):
    findings: dict[str, JsonValue] = Field(
        description='{"household": {…}, "persons": {person_id: {…}}, "note": "…"}; numbers finite, in the '
        "contract's ranges"
    )


class Findings(FindingsPreview):
    version: int = Version


class Decision(Body):
    decision: str = Field(description="enrol / adjust / exit / no_change")
    programme: str | None = Field(default=None, max_length=40)
    version: int = Version


class Approval(Body):
    version: int = Version


class Reasoned(Body):
    reason: str = Field(min_length=1, max_length=2000)
    version: int = Version


class RelativeIn(Body):
    worker_name: str = Field(min_length=1, max_length=64)
    worker_role: str = Field(description="village_cadre / caseworker / reviewer")
    worker_username: str | None = Field(default=None, max_length=64)
    relative_name: str = Field(min_length=1, max_length=64)
    relative_id_number: str = Field(min_length=15, max_length=18)
    relation: str = Field(description="spouse / parent / child / sibling / grandparent / grandchild")


class DepartmentTokenIn(Body):
    department: str = Field(max_length=32)
    jurisdiction: str = Field(min_length=2, max_length=12)
    days: int | None = Field(default=None, ge=1, le=366)
