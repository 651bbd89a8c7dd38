"""StaffApiFunction: login, the inbox, the case view, triage and the publication record."""

import time

from otklik.api import auth, http
from otklik.api.schemas import LoginIn, PublicationIn, TriageIn
from otklik.api.views import case_detail, case_summary
from otklik.service import cases, inbox
from otklik.service.bootstrap import deps

app = http.resolver()


@app.post("/api/v1/auth/login")
def login():
    d = deps()
    body = http.parse(app, LoginIn)
    member = d.directory.staff(body.login)
    if (
        member is None
        or not member.active
        or not auth.check_password(body.password, member.password_hash)
    ):
        raise http.HttpError(401, "unauthorized", "Неверный логин или пароль.")
    token = auth.issue_token(
        member.login, d.settings.token_secret, time.time(), d.settings.token_ttl_minutes
    )
    return http.json_response(
        200, {"token": token, "expires_in": d.settings.token_ttl_minutes * 60}
    )


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
        },
    )


@app.get("/api/v1/cases")
def list_cases():
    d = deps()
    actor = http.caller(app, d)
    q = app.current_event.query_string_parameters or {}
    found = inbox.inbox(
        d,
        actor,
        now=http.now(),
        status=q.get("status") or None,
        department=q.get("department") or None,
        overdue=(q.get("overdue") or "").lower() in ("1", "true", "yes"),
    )
    return http.json_response(200, {"cases": [case_summary(c, d.display_tz) for c in found]})


@app.get("/api/v1/cases/<case_id>")
def get_case(case_id: str):
    d = deps()
    actor = http.caller(app, d)
    case = inbox.visible_case(d, actor, case_id)
    return http.json_response(200, case_detail(case, d.display_tz, d.policy, actor))


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
    return http.json_response(200, case_detail(case, d.display_tz, d.policy, actor))


@app.post("/api/v1/cases/<case_id>/publication")
def publication(case_id: str):
    d = deps()
    actor = http.caller(app, d)
    body = http.parse(app, PublicationIn)
    case = cases.record_publication(d, actor, case_id, url=str(body.url), now=http.now())
    return http.json_response(200, case_detail(case, d.display_tz, d.policy, actor))


def lambda_handler(event, context):
    return app.resolve(event, context)
