"""DraftSubmissionFunction: contributions, drafts and their files, their internal approval and
the handover to the curator (clauses 12, 17)."""

from otklik import codec
from otklik.bootstrap import deps
from otklik.entrypoints import http
from otklik.entrypoints.schemas import ContributionIn, DraftIn, RejectIn, UploadIn
from otklik.entrypoints.yandex import both_clouds
from otklik.service import attachments, cases

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


@app.post("/api/v1/cases/<case_id>/attachments")
def start_upload(case_id: str):
    d = deps()
    actor = http.caller(app, d)
    body = http.parse(app, UploadIn)
    upload = attachments.start_upload(
        d,
        actor,
        case_id,
        name=body.name,
        content_type=body.content_type,
        size=body.size,
        now=http.now(),
    )
    return http.json_response(
        201,
        {
            "key": upload.key,
            "file_id": upload.key.rsplit("/", 1)[-1],
            "max_size": upload.max_size,
            "upload": {"url": upload.form.url, "fields": upload.form.fields},
        },
    )


@app.post("/api/v1/cases/<case_id>/attachments/<file_id>/confirm")
def confirm_upload(case_id: str, file_id: str):
    d = deps()
    actor = http.caller(app, d)
    key = attachments.object_prefix(case_id) + file_id
    attachment = attachments.confirm(d, actor, case_id, key, http.now())
    return http.json_response(200, {"attachment": codec.to_plain(attachment)})


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


@both_clouds
def lambda_handler(event, context):
    return app.resolve(event, context)
