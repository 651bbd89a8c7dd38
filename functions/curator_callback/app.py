"""CuratorCallbackFunction: the curator approved or returned a draft, or withdrew a message."""

import hashlib

from otklik.bootstrap import deps
from otklik.entrypoints import http
from otklik.entrypoints.schemas import CallbackIn
from otklik.entrypoints.views import monitoring_answer
from otklik.entrypoints.yandex import both_clouds
from otklik.ports import callback_key
from otklik.service import cases

app = http.resolver()


@app.post("/api/v1/monitoring/callbacks")
def curator_callback():
    d = deps()
    body = http.signed_body(app, d)
    callback = http.parse(app, CallbackIn, body)
    if callback.event != "message_withdrawn" and not callback.draft_id:
        raise http.HttpError(
            422, "validation_error", "Не указан draft_id.", {"draft_id": "обязательное поле"}
        )
    # A delivery id lets a replayed request change nothing; without one, the body is the id.
    # Hashed, so that any header length makes a key DynamoDB accepts.
    delivery = app.current_event.headers.get("x-delivery-id") or ""
    delivery = hashlib.sha256(delivery.encode() if delivery else body).hexdigest()
    case = cases.curator_decision(
        d,
        external_id=callback.external_id,
        event=callback.event,
        draft_id=callback.draft_id,
        comment=callback.comment,
        now=http.now(),
        delivery_key=callback_key(delivery),
    )
    return http.json_response(200, monitoring_answer(case, d.display_tz))


@both_clouds
def lambda_handler(event, context):
    return app.resolve(event, context)
