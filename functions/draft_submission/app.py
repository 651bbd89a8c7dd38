"""DraftSubmissionFunction: contributions, drafts, their internal approval and the handover to
the curator (clauses 12, 17)."""

from otklik import codec
from otklik.bootstrap import deps
from otklik.entrypoints import http
from otklik.entrypoints.schemas import ContributionIn, DraftIn, RejectIn
from otklik.service import cases

app = http.resolver()


@app.post("/api/v1/cases/<case_id>/contributions")
def contribute(case_id: str):
    d = deps()
    actor = http.caller(app, d)
    body = http.parse(app, ContributionIn)
    case = cases.contribute(d, actor, case_id, text=body.text, now=http.now())
    return http.case_reply(case, d, actor)


@app.post("/api/v1/cases/<case_id>/drafts")
def submit_draft(case_id: str):
    d = deps()
    actor = http.caller(app, d)
    body = http.parse(app, DraftIn)
    case, draft_id = cases.submit_draft(
        d,
        actor,
        case_id,
        text=body.text,
        kind=body.kind,
        attachments=body.domain_attachments(),
        now=http.now(),
    )
    return http.case_reply(case, d, actor, 201, draft_id=draft_id)


@app.post("/api/v1/cases/<case_id>/drafts/check")
def check_draft(case_id: str):
    d = deps()
    actor = http.caller(app, d)
    body = http.parse(app, DraftIn)
    findings = cases.check_draft(
        d,
        actor,
        case_id,
        text=body.text,
        kind=body.kind,
        attachments=body.domain_attachments(),
        now=http.now(),
    )
    return http.json_response(200, {"findings": codec.to_plain(findings)})


@app.post("/api/v1/cases/<case_id>/drafts/<draft_id>/approve")
def approve(case_id: str, draft_id: str):
    d = deps()
    actor = http.caller(app, d)
    case = cases.approve_draft(d, actor, case_id, draft_id, http.now())
    return http.case_reply(case, d, actor)


@app.post("/api/v1/cases/<case_id>/drafts/<draft_id>/reject")
def reject(case_id: str, draft_id: str):
    d = deps()
    actor = http.caller(app, d)
    body = http.parse(app, RejectIn)
    case = cases.reject_draft(d, actor, case_id, draft_id, comment=body.comment, now=http.now())
    return http.case_reply(case, d, actor)


@app.post("/api/v1/cases/<case_id>/drafts/<draft_id>/sent")
def mark_sent(case_id: str, draft_id: str):
    d = deps()
    actor = http.caller(app, d)
    case = cases.mark_sent(d, actor, case_id, draft_id, http.now())
    return http.case_reply(case, d, actor)


def lambda_handler(event, context):
    return app.resolve(event, context)
