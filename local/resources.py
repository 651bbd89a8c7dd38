"""Create the template's tables and queues against an endpoint, and say where they are.

The local run (and the integration tests) build their DynamoDB tables and SQS queues from
`template.yaml` itself, so what runs here is what deploys: the same keys, indexes, TTL, visibility
timeouts and dead-letter redrive. The result is the environment the handlers read
(`otklik.config`): `CASES_TABLE`, ..., `ROUTING_QUEUE_URL`, ...
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from local import cfn

DEFAULT_PREFIX = "otklik-"

TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable")
QUEUE_TYPE = "AWS::SQS::Queue"
BUCKET_TYPE = "AWS::S3::Bucket"

# The staff page's origins in the local run (any port of this machine): a bucket's CORS rule
# whose origins name deployed resources (the CloudFront page) allows these instead.
LOCAL_PAGE_ORIGINS = ("http://127.0.0.1:*", "http://localhost:*")

# Queue properties that are SQS attributes of the same name (the rest are ignored locally).
_QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
)

# What `otklik.config` reads; a missing one after creation means the template lacks a resource.
REQUIRED_ENV = (
    "CASES_TABLE",
    "AUDIT_TABLE",
    "IDEMPOTENCY_TABLE",
    "DIRECTORY_TABLE",
    "OUTBOX_TABLE",
    "ROUTING_QUEUE_URL",
    "NOTIFICATION_QUEUE_URL",
    "PUBLISHING_QUEUE_URL",
    "MONITORING_QUEUE_URL",
)


@dataclass
class Created:
    """What was created: names and URLs by logical id, and a resolver that knows them."""

    tables: dict[str, str] = field(default_factory=dict)  # logical id → table name
    queues: dict[str, str] = field(default_factory=dict)  # logical id → queue URL
    queue_arns: dict[str, str] = field(default_factory=dict)  # logical id → queue ARN
    buckets: dict[str, str] = field(default_factory=dict)  # logical id → bucket name
    env: dict[str, str] = field(default_factory=dict)
    resolver: cfn.Resolver | None = None

    def queue_url_by_arn(self, arn: str) -> str | None:
        for logical_id, queue_arn in self.queue_arns.items():
            if queue_arn == arn:
                return self.queues[logical_id]
        return None


def env_name(logical_id: str, suffix: str) -> str:
    """`CasesTable` → `CASES_TABLE`; `RoutingQueue` + `_URL` → `ROUTING_QUEUE_URL`."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", logical_id).upper()
    return snake + suffix


def create(
    *,
    endpoint_url: str | None,
    region: str,
    template: Mapping | None = None,
    prefix: str = DEFAULT_PREFIX,
    mail_sender: str | None = None,
) -> Created:
    """Create (or find) every table and queue of the template; returns where they are."""
    template = template if template is not None else cfn.load()
    session = boto3.session.Session(region_name=region)
    dynamodb = session.client("dynamodb", endpoint_url=endpoint_url)
    sqs = session.client("sqs", endpoint_url=endpoint_url)
    created = Created()
    resolver = cfn.Resolver(template, region=region)
    created.resolver = resolver

    for logical_id, resource in cfn.resources(template, *TABLE_TYPES).items():
        name = prefix + logical_id
        arn = _create_table(dynamodb, name, resource, resolver)
        created.tables[logical_id] = name
        resolver.refs[logical_id] = name
        resolver.attributes[(logical_id, "Arn")] = arn

    pending = dict(cfn.resources(template, QUEUE_TYPE))
    while pending:  # dead-letter queues first: a queue's redrive policy needs its DLQ's ARN
        progressed = False
        for logical_id, resource in list(pending.items()):
            try:
                properties = resolver(resource.get("Properties") or {})
            except cfn.Unresolved:
                continue
            url, arn, name = _create_queue(sqs, prefix + logical_id, properties)
            created.queues[logical_id] = url
            created.queue_arns[logical_id] = arn
            resolver.refs[logical_id] = url
            resolver.attributes[(logical_id, "Arn")] = arn
            resolver.attributes[(logical_id, "QueueUrl")] = url
            resolver.attributes[(logical_id, "QueueName")] = name
            del pending[logical_id]
            progressed = True
        if not progressed:
            raise cfn.Unresolved(f"queues with unresolvable properties: {sorted(pending)}")

    create_buckets(session, endpoint_url, template, created, resolver, prefix)
    created.env = _environment(template, created, resolver)
    missing = [name for name in REQUIRED_ENV if name not in created.env]
    if missing:
        raise RuntimeError(f"template.yaml declares no resource for {missing}")
    if mail_sender and endpoint_url:
        verify_sender(session, endpoint_url, mail_sender)
    return created


def _create_table(dynamodb, name: str, resource: Mapping, resolver: cfn.Resolver) -> str:
    properties = resolver(resource.get("Properties") or {})
    if resource["Type"] == "AWS::Serverless::SimpleTable":
        key = properties.get("PrimaryKey") or {"Name": "id", "Type": "String"}
        kind = {"String": "S", "Number": "N", "Binary": "B"}[key["Type"]]
        properties = {
            "AttributeDefinitions": [{"AttributeName": key["Name"], "AttributeType": kind}],
            "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        }
    try:
        description = dynamodb.describe_table(TableName=name)["Table"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        description = _new_table(dynamodb, name, properties)
    ttl = properties.get("TimeToLiveSpecification") or {}
    if _true(ttl.get("Enabled")) and ttl.get("AttributeName"):
        current = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
    return description["TableArn"]


def _new_table(dynamodb, name: str, properties: Mapping) -> dict:
    billing = properties.get("BillingMode") or (
        "PROVISIONED" if properties.get("ProvisionedThroughput") else "PAY_PER_REQUEST"
    )
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": billing,
    }
    if billing == "PROVISIONED":
        request["ProvisionedThroughput"] = _throughput(properties.get("ProvisionedThroughput"))
    indexes = []
    for index in properties.get("GlobalSecondaryIndexes") or []:
        item = {
            "IndexName": index["IndexName"],
            "KeySchema": index["KeySchema"],
            "Projection": index.get("Projection") or {"ProjectionType": "ALL"},
        }
        if billing == "PROVISIONED":
            item["ProvisionedThroughput"] = _throughput(index.get("ProvisionedThroughput"))
        indexes.append(item)
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    local_indexes = [
        {"IndexName": i["IndexName"], "KeySchema": i["KeySchema"], "Projection": i["Projection"]}
        for i in properties.get("LocalSecondaryIndexes") or []
    ]
    if local_indexes:
        request["LocalSecondaryIndexes"] = local_indexes
    stream = properties.get("StreamSpecification")
    if stream and stream.get("StreamViewType"):
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    description = dynamodb.create_table(**request)["TableDescription"]
    dynamodb.get_waiter("table_exists").wait(
        TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    return description


def _throughput(value: Mapping | None) -> dict:
    value = value or {}
    return {
        "ReadCapacityUnits": int(value.get("ReadCapacityUnits", 5)),
        "WriteCapacityUnits": int(value.get("WriteCapacityUnits", 5)),
    }


def _create_queue(sqs, name: str, properties: Mapping) -> tuple[str, str, str]:
    attributes = {
        key: _attribute(properties[key]) for key in _QUEUE_ATTRIBUTES if key in properties
    }
    if _true(properties.get("FifoQueue")) and not name.endswith(".fifo"):
        name += ".fifo"
    redrive = properties.get("RedrivePolicy")
    if redrive:
        if isinstance(redrive, str):
            redrive = json.loads(redrive)
        attributes["RedrivePolicy"] = json.dumps(
            {
                "deadLetterTargetArn": redrive["deadLetterTargetArn"],
                "maxReceiveCount": int(redrive.get("maxReceiveCount", 5)),
            }
        )
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn, name


def _attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _true(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _environment(template: Mapping, created: Created, resolver: cfn.Resolver) -> dict[str, str]:
    """Env vars for the handlers: one per table and queue by naming convention, then whatever
    the template's functions declare that points at a resource (the template wins)."""
    env = {env_name(lid.removesuffix("Table"), "_TABLE"): n for lid, n in created.tables.items()}
    env.update({env_name(lid, "_URL"): url for lid, url in created.queues.items()})
    ours = set(created.tables) | set(created.queues) | set(created.buckets)
    for name, raw in declared_environment(template).items():
        if _references(raw) & ours:
            value = resolver.try_resolve(raw)
            if isinstance(value, str | int) and str(value):
                env[name] = str(value)
    return env


def declared_environment(template: Mapping) -> dict[str, Any]:
    """Every environment variable the template gives functions (Globals first), unresolved."""
    declared: dict[str, Any] = {}
    globals_ = ((template.get("Globals") or {}).get("Function") or {}).get("Environment") or {}
    declared.update(globals_.get("Variables") or {})
    for resource in cfn.resources(template, "AWS::Serverless::Function").values():
        variables = ((resource.get("Properties") or {}).get("Environment") or {}).get("Variables")
        for name, value in (variables or {}).items():
            declared.setdefault(name, value)
    return declared


def template_defaults(template: Mapping, resolver: cfn.Resolver) -> dict[str, str]:
    """Declared variables that are plain settings (time zone, log level...), resolved with the
    parameters' defaults; empty values are left out."""
    result = {}
    for name, raw in declared_environment(template).items():
        if _references(raw) - set(resolver.parameters) - set(cfn.PSEUDO):
            continue  # points at a resource: that is `Created.env`'s business
        value = resolver.try_resolve(raw)
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value):
            result[name] = str(value)
    return result


def _references(value: Any) -> set[str]:
    """Logical ids and parameters an unresolved value refers to."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= _references(item)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(arg[0] if isinstance(arg, list) else str(arg).split(".")[0])
            elif key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", str(text))}
                if isinstance(arg, list):
                    found |= _references(arg[1:])
            else:
                found |= _references(arg)
    return found


def verify_sender(session, endpoint_url: str | None, sender: str) -> None:
    """moto refuses `send_email` from an unverified sender; the embedded AWS verifies it here."""
    ses = session.client("ses", endpoint_url=endpoint_url)
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    ses.verify_email_identity(EmailAddress=address)
    domain = address.rpartition("@")[2]
    if domain:
        ses.verify_domain_identity(Domain=domain)


# -- S3 buckets --------------------------------------------------------------------------------


def bucket_name(prefix: str, logical_id: str) -> str:
    """`otklik-` + `AttachmentsBucket` → `otklik-attachmentsbucket` (S3 names are lower case:
    letters, digits, dots and hyphens, 3-63 characters)."""
    name = re.sub(r"[^a-z0-9.-]+", "-", (prefix + logical_id).lower()).strip("-.")
    return name[:63]


def create_buckets(
    session, endpoint_url: str | None, template: Mapping, created: Created, resolver, prefix: str
) -> None:
    """Create (or find) every `AWS::S3::Bucket` of the template, with its encryption, public
    access block, ownership controls and CORS rules; `Ref` gives the bucket's name."""
    found = cfn.resources(template, BUCKET_TYPE)
    if not found:
        return
    s3 = session.client("s3", endpoint_url=endpoint_url)
    for logical_id, resource in found.items():
        name = bucket_name(prefix, logical_id)
        _create_bucket(s3, name, resource.get("Properties") or {}, resolver)
        created.buckets[logical_id] = name
        resolver.refs[logical_id] = name
        resolver.attributes[(logical_id, "Arn")] = f"arn:aws:s3:::{name}"
        resolver.attributes[(logical_id, "RegionalDomainName")] = (
            f"{name}.s3.{session.region_name}.amazonaws.com"
        )


def _create_bucket(s3, name: str, properties: Mapping, resolver) -> None:
    try:
        s3.head_bucket(Bucket=name)
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchBucket", "NotFound"):
            raise
        region = s3.meta.region_name
        extra = {}
        if region and region != "us-east-1":
            extra["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(Bucket=name, **extra)
    encryption = resolver.try_resolve(properties.get("BucketEncryption"))
    if encryption:  # the template's list of rules is the API's `Rules`
        rules = [
            {"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
            for r in encryption["ServerSideEncryptionConfiguration"]
            if r.get("ServerSideEncryptionByDefault")
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    block = resolver.try_resolve(properties.get("PublicAccessBlockConfiguration"))
    if block:
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={k: _true(v) for k, v in block.items()},
        )
    ownership = resolver.try_resolve(properties.get("OwnershipControls"))
    if ownership:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=ownership)
    rules = [
        _cors_rule(rule, resolver)
        for rule in (properties.get("CorsConfiguration") or {}).get("CorsRules") or []
    ]
    if rules:
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})


def _cors_rule(rule: Mapping, resolver) -> dict:
    """A CORS rule as S3's API takes it; origins that name deployed resources (unresolvable
    here) become the local page's origins."""
    origins: list[str] = []
    for raw in rule.get("AllowedOrigins") or []:
        value = resolver.try_resolve(raw, default=LOCAL_PAGE_ORIGINS)
        if value is None or value is cfn._NO_VALUE:
            continue
        for origin in value if isinstance(value, list | tuple) else [value]:
            if isinstance(origin, str) and origin and origin not in origins:
                origins.append(origin)
    found = {
        "AllowedMethods": list(resolver.try_resolve(rule.get("AllowedMethods")) or []),
        "AllowedOrigins": origins,
    }
    for key in ("AllowedHeaders", "ExposedHeaders"):
        if rule.get(key):
            found[key.replace("Exposed", "Expose")] = list(resolver.try_resolve(rule[key]))
    if rule.get("MaxAge") is not None:
        found["MaxAgeSeconds"] = int(resolver.try_resolve(rule["MaxAge"]))
    return found
