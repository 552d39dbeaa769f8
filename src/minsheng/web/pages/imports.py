"""导入: upload households and persons files → check (nothing written) → import.

The check lists every row error (ID and phone numbers masked) and offers the error
report. The files stay in the user's upload folder (`uploads`) after a check, clean or not:
- clean: the import button checks again, imports all or nothing, audits, and deletes them;
- with row errors: two ways on, as the CLI has (`--valid-only`): import only the good rows
  (a household with any wrong row is left out whole, with its members; the masked error
  report stays to fix them by), or fix a file and check again — a field left empty keeps
  the file chosen before, so fixing the members file does not mean choosing both again.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from minsheng.bootstrap import App
from minsheng.contract import files
from minsheng.contract.columns import COLUMNS
from minsheng.errors import ImportRejected, NotFound
from minsheng.registry import check, report
from minsheng.registry.importer import ImportOutcome
from minsheng.registry.template import write_template
from minsheng.security import audit
from minsheng.security.users import Principal
from minsheng.web.api.deps import AppDep, TodayDep
from minsheng.web.pages import sheets
from minsheng.web.pages.common import UserDep, lang_of, render
from minsheng.web.pages.uploads import REPORT_NAME, Uploads, save_path

router = APIRouter(include_in_schema=False)

MAX_UPLOAD_BYTES = 200 * 1024**2  # a township's registry is far smaller; a county splits by township
SHOWN_ERRORS = 200
FIELDS = ("households", "persons")
_LABELS = {c.name: c.zh for cols in COLUMNS.values() for c in cols}


def _page(request: Request, user: Principal, stage: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    return render(
        request,
        "import.html",
        {"user": user, "stage": stage, "max_mb": MAX_UPLOAD_BYTES // 1024**2, **context},
        status_code=status_code,
    )


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, user: UserDep, app: AppDep) -> Any:
    check.require_importer(user)
    Uploads(app.settings.data, user.username)  # sweeps uploads checked but never imported
    return _page(request, user, "upload")


@router.get("/import/template.xlsx")
def import_template(user: UserDep) -> Response:
    """The Excel import template (no personal data): Chinese headers, drop-downs, column notes."""
    with tempfile.TemporaryDirectory() as tmp:
        data = write_template(Path(tmp) / "template.xlsx").read_bytes()
    return sheets.download(data, "minsheng-import-template.xlsx")


@router.post("/import/check", response_class=HTMLResponse)
async def import_check(request: Request, user: UserDep, app: AppDep, today: TodayDep) -> Any:
    check.require_importer(user)
    size = request.headers.get("content-length")
    if size is None or not size.isdigit():
        return _page(request, user, "upload", status_code=411, problem="imp.need_length")
    if int(size) > MAX_UPLOAD_BYTES:
        return _page(request, user, "upload", status_code=413, problem="imp.too_large")
    uploads = Uploads(app.settings.data, user.username)
    async with request.form(max_files=len(FIELDS), max_fields=len(FIELDS) + 2) as form:
        earlier = form.get("token")
        token, folder = uploads.again(earlier) if isinstance(earlier, str) and earlier else uploads.new()
        for i, field in enumerate(FIELDS, start=1):
            upload = form.get(field)
            if isinstance(upload, UploadFile) and upload.filename:
                uploads.replace_input(folder, i)  # a newly chosen file replaces the one kept
                await _save(upload, save_path(folder, i, upload.filename, f"{field}.csv"))  # 0600
    paths = uploads.inputs(folder)
    if not paths:
        uploads.discard(token)
        return _page(request, user, "upload", status_code=422, problem="imp.no_files")
    checked = await run_in_threadpool(check.check_uploads, app.engine, app.cipher, user, paths, today=today)
    if not checked.ok:
        return _rejected(request, user, token, folder, checked)
    files = [(kind, checked.files[kind], checked.rows[kind]) for kind in FIELDS if kind in checked.files]
    return _page(request, user, "ready", token=token, files=files)


@router.post("/import/run", response_class=HTMLResponse)
def import_run(
    request: Request,
    user: UserDep,
    app: AppDep,
    today: TodayDep,
    token: Annotated[str, Form(max_length=64)],
    valid_only: Annotated[bool, Form()] = False,
) -> Any:
    check.require_importer(user)
    uploads = Uploads(app.settings.data, user.username)
    folder = uploads.folder(token)
    paths = uploads.inputs(folder)
    if not paths:  # imported already, or replaced by a newer upload
        raise NotFound("没有可导入的文件，请重新上传", "there are no files to import: upload them again")
    if valid_only:
        return _import_good_rows(request, user, app, today, token, folder, paths)
    try:
        outcome = check.import_uploads(app.engine, app.cipher, user, paths, today=today)
    except ImportRejected as exc:
        errors = check.errors_of(exc)
        audit.record_now(
            app.engine,
            user.username,
            "import_refused",
            "registry",
            user.jurisdiction,
            {"files": [p.name for p in paths], "errors": errors.height},
        )
        return _rejected(request, user, token, folder, check.Checked(errors=errors))
    audit.record_now(app.engine, user.username, "import", "registry", user.jurisdiction, _detail(outcome))
    uploads.discard(token)
    return _page(
        request,
        user,
        "done",
        summaries=outcome.summaries,
        unchanged=all(s.inserted == 0 and s.updated == 0 for s in outcome.summaries),
    )


@router.get("/import/report/{token}")
def import_report(user: UserDep, app: AppDep, token: str) -> FileResponse:
    check.require_importer(user)
    folder = Uploads(app.settings.data, user.username).folder(token)
    path = folder / REPORT_NAME
    if not path.is_file():
        raise NotFound("没有错误报告", "there is no error report")
    return FileResponse(path, media_type=sheets.XLSX, filename=REPORT_NAME, headers={"Cache-Control": "no-store"})


async def _save(upload: UploadFile, target: Path) -> bool:
    """Copy an upload in 1 MiB chunks into its (already owner-only) file; an empty file field
    (no file chosen) is not kept."""
    written = 0
    with target.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            written += len(chunk)
            out.write(chunk)
    if written == 0:
        target.unlink()
        return False
    return True


def _import_good_rows(
    request: Request, user: Principal, app: App, today: dt.date, token: str, folder: Path, paths: list[Path]
) -> HTMLResponse:
    """The CLI's `--valid-only` for the page: the good rows are written, the rows with errors
    (whole households) left out; the masked error report stays for fixing them."""
    kinds = files.sort_by_kind(paths)
    outcome = check.import_checked(
        app.engine, app.cipher, user, kinds.get("households"), kinds.get("persons"), today=today, valid_only=True
    )
    if not outcome.errors.is_empty():
        check.write_report(outcome.errors, folder / REPORT_NAME)
    Uploads.drop_inputs(folder)  # the clear ID numbers go; the masked report stays its hour
    audit.record_now(
        app.engine, user.username, "import", "registry", user.jurisdiction, _detail(outcome) | {"valid_only": True}
    )
    return _page(
        request,
        user,
        "done",
        summaries=outcome.summaries,
        unchanged=all(s.inserted == 0 and s.updated == 0 for s in outcome.summaries),
        valid_only=True,
        rejected_count=outcome.errors.height,
        report_url=f"/import/report/{token}" if not outcome.errors.is_empty() else None,
    )


def _rejected(request: Request, user: Principal, token: str, folder: Path, checked: check.Checked) -> HTMLResponse:
    """The row errors, with both ways on: the good rows only (where every error names its
    row: a file that cannot be read has no good rows), or a fixed file checked again."""
    errors = checked.errors
    check.write_report(errors, folder / REPORT_NAME)
    lang = lang_of(request)
    shown = report.masked(errors.head(SHOWN_ERRORS))
    rows = [
        {
            "file": e["file"],
            "row": e["row"],
            "column": e["column"],
            "column_label": _LABELS.get(e["column"] or "", "") if lang == "zh" else "",
            "value": e["value"],
            "reason": e["reason_zh"] if lang == "zh" else e["reason_en"],
        }
        for e in shown.iter_rows(named=True)
    ]
    return _page(
        request,
        user,
        "errors",
        status_code=422,
        errors=rows,
        error_count=errors.height,
        shown=SHOWN_ERRORS,
        report_url=f"/import/report/{token}",
        token=token,
        kept=Uploads.kept(folder),
        bad_rows=errors.select("file", "row").unique().height,
        total_rows=sum(checked.rows.values()),
        partial=bool(checked.rows) and errors["row"].null_count() == 0,
    )


def _detail(outcome: ImportOutcome) -> dict[str, Any]:
    return {
        s.kind: {
            "file": s.file,
            "rows": s.rows,
            "inserted": s.inserted,
            "updated": s.updated,
            "unchanged": s.unchanged,
            "rejected": s.rejected,
        }
        for s in outcome.summaries
    }
