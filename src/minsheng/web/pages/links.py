"""比对复核: probable links waiting for a caseworker — in plain words first (which facts agree,
which disagree; two different valid ID numbers said as "a different person"), the record and
the registry person side by side, the weights one click away; accept, reject with a reason,
or undo a decision with a reason."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from minsheng.errors import Conflict, InvalidInput
from minsheng.linkage import review
from minsheng.web.pages.common import PageUowDep, UserDep, lang_of, render

router = APIRouter(include_in_schema=False)
PAGE = 20


@router.get("/links", response_class=HTMLResponse)
def links_page(
    request: Request,
    user: UserDep,
    uow: PageUowDep,
    status: Annotated[str, Query(pattern="^(pending|accepted|rejected)$")] = "pending",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    done: str = "",
    problem: str = "",
) -> Any:
    found = review.list_candidates(uow.connection, user, status=status, limit=PAGE, offset=(page - 1) * PAGE)
    widest = max((abs(s["weight"]) for c in found.items for s in c["comparisons"]), default=1.0) or 1.0
    return render(
        request,
        "links.html",
        {
            "user": user,
            "found": found,
            "status": status,
            "page": page,
            "pages": -(-found.total // PAGE),
            "widest": widest,
            "done": done if done in ("accept", "reject", "undo") else "",
            "problem": problem,
            "zh": lang_of(request) == "zh",
            "can_review": user.role in review.REVIEWERS,
        },
    )


@router.post("/links/{candidate_id}")
def decide(
    candidate_id: int,
    user: UserDep,
    uow: PageUowDep,
    decision: Annotated[str, Form(pattern="^(accept|reject|undo)$")],
    version: Annotated[int, Form(ge=1, le=2**31 - 1)],
    reason: Annotated[str, Form(max_length=500)] = "",
    lang: Annotated[str, Form()] = "zh",
) -> Response:
    try:
        if decision == "accept":
            review.accept(uow, user, candidate_id, version)
        elif decision == "reject":
            review.reject(uow, user, candidate_id, version, reason=reason)
        else:
            review.undo(uow, user, candidate_id, version, reason=reason)
        uow.commit()
    except (Conflict, InvalidInput) as exc:
        message = exc.zh if lang == "zh" else exc.en
        return RedirectResponse(f"/links?{urlencode({'problem': message})}", status_code=303)
    return RedirectResponse(f"/links?done={decision}", status_code=303)
