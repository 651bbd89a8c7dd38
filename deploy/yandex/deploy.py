"""`make deploy-yandex`: build the function packages and apply deploy/yandex with Terraform.

Checks first, and says plainly what is missing (exit code 2), never with a stack trace:
- `terraform` on PATH (https://yandex.cloud/ru/docs/tutorials/infrastructure-management/terraform-quickstart
  shows how to install it and point it at Yandex Cloud's provider mirror);
- the credentials: YC_TOKEN (or YC_SERVICE_ACCOUNT_KEY_FILE), YC_CLOUD_ID, YC_FOLDER_ID;
- the deployment's required settings: TF_VAR_monitoring_webhook_secret,
  TF_VAR_staff_token_secret, TF_VAR_mail_sender.
Then: build.py, `terraform init`, `terraform apply` of the database and the deployer's static key
alone (the AWS provider that makes the document tables needs both), and `terraform apply` of the
rest. Extra arguments go to both applies (e.g. `-auto-approve`: `make deploy-yandex
TF_ARGS=-auto-approve`).

Standard library only: it runs with the system Python.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

FIRST = [
    "yandex_ydb_database_serverless.otklik",
    "yandex_iam_service_account_static_access_key.deployer",
    "yandex_resourcemanager_folder_iam_member.roles",
]
REQUIRED = {
    "TF_VAR_monitoring_webhook_secret": "the monitoring system HMAC secret (openssl rand -hex 32)",
    "TF_VAR_staff_token_secret": "the secret that signs staff tokens (openssl rand -hex 32)",
    "TF_VAR_mail_sender": "the From address, of a domain verified in Cloud Postbox",
}


def problems(env: dict[str, str]) -> list[str]:
    found = []
    if shutil.which("terraform", path=env.get("PATH")) is None:
        found.append(
            "terraform is not installed (not on PATH). Install Terraform >= 1.5 and configure "
            "the Yandex Cloud provider mirror: "
            "https://yandex.cloud/ru/docs/tutorials/infrastructure-management/terraform-quickstart"
        )
    if not (env.get("YC_TOKEN") or env.get("YC_SERVICE_ACCOUNT_KEY_FILE")):
        found.append(
            "YC_TOKEN is not set: `export YC_TOKEN=$(yc iam create-token)` (or set "
            "YC_SERVICE_ACCOUNT_KEY_FILE to a service account's authorized key file)"
        )
    for name, what in (("YC_CLOUD_ID", "the cloud's id"), ("YC_FOLDER_ID", "the folder's id")):
        if not env.get(name):
            found.append(f"{name} is not set: {what} (`yc config list`, or the console)")
    for name, what in REQUIRED.items():
        if not env.get(name):
            found.append(f"{name} is not set: {what}")
    return found


def run(command: list[str], env: dict[str, str]) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, cwd=HERE, env=env, check=True)


def main(argv: list[str]) -> int:
    env = dict(os.environ)
    found = problems(env)
    if found:
        print("make deploy-yandex: cannot deploy yet:", file=sys.stderr)
        for problem in found:
            print(f"  - {problem}", file=sys.stderr)
        print('See README.md, "Deploying to Yandex Cloud".', file=sys.stderr)
        return 2
    env.setdefault("TF_VAR_folder_id", env["YC_FOLDER_ID"])
    import build

    try:
        if build.main() != 0:
            return 1
        run(["terraform", "init", "-input=false"], env)
        run(["terraform", "apply", *(f"-target={t}" for t in FIRST), *argv], env)
        run(["terraform", "apply", *argv], env)
    except subprocess.CalledProcessError as error:
        print(
            f"make deploy-yandex: `{' '.join(error.cmd)}` failed ({error.returncode})",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("make deploy-yandex: interrupted", file=sys.stderr)
        return 130
    print("Deployed. `terraform -chdir=deploy/yandex output url` is the staff page and the API.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
