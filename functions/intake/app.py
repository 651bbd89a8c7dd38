"""IntakeFunction: a new message from the monitoring system (clause 9)."""

from otklik.bootstrap import deps
from otklik.entrypoints import http
from otklik.entrypoints.schemas import MessageIn
from otklik.entrypoints.views import monitoring_answer
from otklik.entrypoints.yandex import both_clouds
from otklik.service import cases

app = http.resolver()


@app.post("/api/v1/monitoring/messages")
def receive_message():
    d = deps()
    message = http.parse(app, MessageIn, http.signed_body(app, d)).to_domain()
    intake = cases.receive_message(d, message, http.now())
    return http.json_response(
        201 if intake.created else 200, monitoring_answer(intake.case, d.display_tz)
    )


@both_clouds
def lambda_handler(event, context):
    return app.resolve(event, context)
