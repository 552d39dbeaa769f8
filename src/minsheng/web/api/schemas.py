"""Request bodies of the API (responses are documented by example in docs/api.md)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

Version = Field(
    ge=1, le=2**31 - 1, description="the version you read: a stale one is refused with 409 (optimistic locking)"
)


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Search(BaseModel):
    q: str = Field(min_length=1, max_length=64, description="ID number, household number or part of a name")
    township: str = Field(default="", max_length=12, pattern="^[0-9]*$")
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=2**31 - 1)


class Assign(BaseModel):
    assignee: str = Field(min_length=1, max_length=64)
    version: int = Version


class FindingsPreview(BaseModel):
    findings: dict[str, Any] = Field(description='{"household": {…}, "persons": {person_id: {…}}, "note": "…"}')


class Findings(FindingsPreview):
    version: int = Version


class Decision(BaseModel):
    decision: str = Field(description="enrol / adjust / exit / no_change")
    programme: str | None = Field(default=None, max_length=40)
    version: int = Version


class Approval(BaseModel):
    version: int = Version


class Reasoned(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    version: int = Version


class RelativeIn(BaseModel):
    worker_name: str = Field(min_length=1, max_length=64)
    worker_role: str = Field(description="village_cadre / caseworker / reviewer")
    worker_username: str | None = Field(default=None, max_length=64)
    relative_name: str = Field(min_length=1, max_length=64)
    relative_id_number: str = Field(min_length=15, max_length=18)
    relation: str = Field(description="spouse / parent / child / sibling / grandparent / grandchild")


class DepartmentTokenIn(BaseModel):
    department: str = Field(max_length=32)
    jurisdiction: str = Field(min_length=2, max_length=12)
    days: int | None = Field(default=None, ge=1, le=366)
