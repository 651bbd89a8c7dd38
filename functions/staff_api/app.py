"""StaffApiFunction: login, the inbox, the case view, triage, assignment, notes, the
publication record, the reports and the library of answer templates."""

from dataclasses import replace

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response

from otklik.bootstrap import deps
from otklik.domain.notice import parse_notice
from otklik.domain.roles import Action
from otklik.entrypoints import auth, http
from otklik.entrypoints.schemas import (
    AssigneeIn,
    CuratorDecisionIn,
    LoginIn,
    ManualMessageIn,
    NoteIn,
    NoticeIn,
    PublicationIn,
    TemplateIn,
    TriageIn,
    localise,
)
from otklik.entrypoints.views import case_summary, colleagues, notice_view, template_view
from otklik.entrypoints.yandex import both_clouds
from otklik.service import answer_templates, cases, dashboard, inbox, reports, signin

app = http.resolver()
logger = Logger(service="otklik-signin")


@app.exception_handler(signin.TooManyAttempts)
def too_many_attempts(error: signin.TooManyAttempts):
    answer = http.error_response(429, error.code, error.message)
    answer.headers["Retry-After"] = str(error.retry_after)
    return answer


@app.post("/api/v1/auth/login")
def login():
    d = deps()
    body = http.parse(app, LoginIn)
    now = http.now()
    client = app.current_event.request_context.http.source_ip or ""
    attempt = signin.Attempt(body.login, client)
    signin.check(d, attempt, now)  # a held login or client costs no scrypt (429)
    member = d.directory.staff(body.login)
    # An unknown login costs the same scrypt as a known one, so timing tells no login apart.
    stored = member.password_hash if member is not None else auth.UNKNOWN_LOGIN_HASH
    if not auth.check_password(body.password, stored) or member is None or not member.active:
        signin.failed(d, attempt, now)  # 429 if this one locks
        raise http.HttpError(401, "unauthorized", "Неверный логин или пароль.")
    signin.succeeded(d, attempt)
    if auth.needs_rehash(stored):
        _rehash(d, member, body.password)
    token = auth.issue_token(
        member.login, d.settings.token_secret, now.timestamp(), d.settings.token_ttl_minutes
    )
    return http.json_response(
        200, {"token": token, "expires_in": d.settings.token_ttl_minutes * 60}
    )


def _rehash(d, member, password: str) -> None:
    """A hash made with older scrypt parameters is stored again with the current ones, now
    that the password is known; a failure to store it never fails the sign-in."""
    try:
        d.directory.put_staff(replace(member, password_hash=auth.hash_password(password)))
    except Exception:  # the next good sign-in tries again
        logger.exception("password rehash failed", extra={"login": member.login})


@app.post("/api/v1/auth/logout")
def logout():
    d = deps()
    http.caller(app, d)
    http.revoke(d, http.bearer_claims(app, d))
    return http.json_response(200, {"logged_out": True})


@app.get("/api/v1/me")
def me():
    d = deps()
    actor = http.caller(app, d)
    return http.json_response(
        200,
        {
            "login": actor.login,
            "name": actor.name,
            "role": actor.role.value,
            "department": actor.department,
            "timezone": d.settings.display_timezone,
            "departments": [{"id": x.id, "name": x.name} for x in d.directory.departments()],
            "colleagues": colleagues(d.directory.all_staff()),
        },
    )


@app.get("/api/v1/cases")
def list_cases():
    d = deps()
    actor = http.caller(app, d)
    q = app.current_event.query_string_parameters or {}
    page = inbox.inbox_page(
        d,
        actor,
        now=http.now(),
        limit=q.get("limit"),
        cursor=q.get("cursor") or None,
        status=q.get("status") or None,
        department=q.get("department") or None,
        overdue=(q.get("overdue") or "").lower() in ("1", "true", "yes"),
        q=q.get("q") or None,
        closed=(q.get("closed") or "").lower() in ("1", "true", "yes"),
    )
    summaries = []
    for case in page.cases:
        summary = case_summary(case, d.display_tz, d.policy, actor)
        summary["text"] = inbox.shorten(summary["text"])  # all of it in the case view
        summaries.append(summary)
    return http.json_response(200, {"cases": summaries, "cursor": page.cursor})


@app.post("/api/v1/cases")
def register_case():
    d = deps()
    actor = http.caller(app, d)
    message = http.parse(app, ManualMessageIn).to_domain(d.policy.calendar.tz)
    intake = cases.register_message(d, actor, message, http.now())
    return http.case_reply(intake.case, d, actor, 201 if intake.created else 200)


@app.post("/api/v1/notices/parse")
def parse_pasted_notice():
    d = deps()
    actor = http.caller(app, d)
    http.require(actor, Action.REGISTER)
    body = http.parse(app, NoticeIn)
    fields = parse_notice(body.text, now=http.now(), tz=d.policy.calendar.tz)
    return http.json_response(200, notice_view(fields, d.display_tz))


@app.get("/api/v1/cases/<case_id>")
def get_case(case_id: str):
    d = deps()
    actor = http.caller(app, d)
    case = inbox.visible_case(d, actor, case_id)
    return http.case_reply(case, d, actor)


@app.post("/api/v1/cases/<case_id>/triage")
def triage(case_id: str):
    d = deps()
    actor = http.caller(app, d)
    body = http.parse(app, TriageIn)
    case = cases.triage(
        d,
        actor,
        case_id,
        decision=body.decision,
        departments=body.departments,
        reason=body.reason,
        now=http.now(),
    )
    return http.case_reply(case, d, actor)


@app.post("/api/v1/cases/<case_id>/curator-decision")
def curator_decision(case_id: str):
    d = deps()
    actor = http.caller(app, d)
    body = http.parse(app, CuratorDecisionIn)
    if body.event != "message_withdrawn" and not body.draft_id:
        raise http.HttpError(
            422, "validation_error", "Не указан проект ответа.", {"draft_id": "обязательное поле"}
        )
    case = cases.record_curator_decision(
        d,
        actor,
        case_id,
        event=body.event,
        draft_id=body.draft_id,
        comment=body.comment,
        at=localise(body.at, d.policy.calendar.tz) if body.at else None,
        now=http.now(),
    )
    return http.case_reply(case, d, actor)


@app.post("/api/v1/cases/<case_id>/publication")
def publication(case_id: str):
    d = deps()
    actor = http.caller(app, d)
    body = http.parse(app, PublicationIn)
    case = cases.record_publication(d, actor, case_id, url=str(body.url), now=http.now())
    return http.case_reply(case, d, actor)


@app.post("/api/v1/cases/<case_id>/notes")
def note(case_id: str):
    d = deps()
    actor = http.caller(app, d)
    body = http.parse(app, NoteIn)
    case = cases.add_note(d, actor, case_id, text=body.text, now=http.now())
    return http.case_reply(case, d, actor, 201)


@app.post("/api/v1/cases/<case_id>/assignee")
def assignee(case_id: str):
    d = deps()
    actor = http.caller(app, d)
    body = http.parse(app, AssigneeIn)
    case = cases.assign(
        d, actor, case_id, login=body.login, department=body.department, now=http.now()
    )
    return http.case_reply(case, d, actor)


@app.get("/api/v1/reports/monthly")
def monthly_report():
    d = deps()
    actor = http.caller(app, d)
    q = app.current_event.query_string_parameters or {}
    reports.require_reader(actor)
    current = http.now()
    month, fmt = reports.report_query(q, current, d)
    read = reports.MonthReader(d)  # the report and its breaches read each month once
    report = reports.build_monthly(d, month, current, read=read)
    if fmt == "csv":
        return _download(f"otklik-{month}.csv", reports.to_csv(report).encode())
    breach_list = reports.build_breaches(d, month, current, read)
    if fmt == "xlsx":
        return _download(f"otklik-{month}.xlsx", reports.to_xlsx(report, breach_list))
    names = {x.id: x.name for x in d.directory.departments()}
    return Response(
        200, "text/html; charset=utf-8", reports.to_html(report, breach_list, d.display_tz, names)
    )


@app.get("/api/v1/reports/breaches")
def breach_report():
    d = deps()
    actor = http.caller(app, d)
    reports.require_reader(actor)
    q = app.current_event.query_string_parameters or {}
    current = http.now()
    month, fmt = reports.report_query(q, current, d)
    breach_list = reports.build_breaches(d, month, current)
    if not q.get("format"):  # JSON by default: the API's own reading
        return http.json_response(
            200,
            {
                "month": month,
                "breaches": [reports.breach_view(b, d.display_tz) for b in breach_list],
            },
        )
    if fmt == "csv":
        table = reports.breaches_to_csv(d, breach_list, d.display_tz)
        return _download(f"otklik-breaches-{month}.csv", table.encode())
    if fmt == "xlsx":
        book = reports.breaches_to_xlsx(d, breach_list, d.display_tz)
        return _download(f"otklik-breaches-{month}.xlsx", book)
    page = reports.to_breaches_html(d, month, breach_list, d.display_tz, now=current)
    return Response(200, "text/html; charset=utf-8", page)


@app.get("/api/v1/dashboard")
def head_dashboard():
    d = deps()
    actor = http.caller(app, d)
    board = dashboard.build_dashboard(d, actor, http.now())
    return http.json_response(200, dashboard.dashboard_view(board, d.display_tz))


@app.get("/api/v1/templates")
def list_templates():
    d = deps()
    http.caller(app, d)
    q = app.current_event.query_string_parameters or {}
    found = answer_templates.list_templates(
        d, topic=q.get("topic") or None, network=q.get("network") or None
    )
    names = reports.staff_names(d)
    listed = [template_view(t, d.display_tz, names) for t in found]
    return http.json_response(200, {"templates": listed})


@app.put("/api/v1/templates/<template_id>")
def save_template(template_id: str):
    d = deps()
    actor = http.caller(app, d)
    body = http.parse(app, TemplateIn)
    saved = answer_templates.save_template(
        d,
        actor,
        template_id,
        title=body.title,
        text=body.text,
        kind=body.kind,
        topic=body.topic,
        network=body.network,
        now=http.now(),
    )
    names = {actor.login: actor.name} if actor.name else {}
    return http.json_response(200, template_view(saved, d.display_tz, names))


@app.delete("/api/v1/templates/<template_id>")
def delete_template(template_id: str):
    d = deps()
    actor = http.caller(app, d)
    answer_templates.delete_template(d, actor, template_id, now=http.now())
    return http.json_response(200, {"deleted": template_id})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(name: str, content: bytes) -> Response:
    """A report file to save: CSV or XLSX by its name."""
    kind = "text/csv; charset=utf-8" if name.endswith(".csv") else XLSX
    return Response(
        200, kind, content, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@both_clouds
def lambda_handler(event, context):
    return app.resolve(event, context)
