# template.yaml's functions on Cloud Functions (python312). Each package is built by build.py
# (build/<folder>.zip: the handler's app.py, the shared `otklik` package vendored beside it,
# and a requirements.txt that Cloud Functions installs when it builds the version:
# https://yandex.cloud/ru/docs/functions/lang/python/dependencies). The entry point is the
# same `app.lambda_handler` as on AWS: it recognises Yandex Cloud's events
# (otklik/entrypoints/yandex.py).

locals {
  # template.yaml's Globals.Function.Environment, on Yandex Cloud's resources.
  common_env = {
    CASES_TABLE             = aws_dynamodb_table.CasesTable.name
    AUDIT_TABLE             = aws_dynamodb_table.AuditTable.name
    IDEMPOTENCY_TABLE       = aws_dynamodb_table.IdempotencyTable.name
    DIRECTORY_TABLE         = aws_dynamodb_table.DirectoryTable.name
    OUTBOX_TABLE            = aws_dynamodb_table.OutboxTable.name
    ROUTING_QUEUE_URL       = yandex_message_queue.queue["RoutingQueue"].id
    NOTIFICATION_QUEUE_URL  = yandex_message_queue.queue["NotificationQueue"].id
    PUBLISHING_QUEUE_URL    = yandex_message_queue.queue["PublishingQueue"].id
    MONITORING_QUEUE_URL    = yandex_message_queue.queue["MonitoringQueue"].id
    STAFF_TOKEN_TTL_MINUTES = tostring(var.staff_token_ttl_minutes)
    DISPLAY_TIMEZONE        = var.display_timezone
    MAIL_SENDER             = var.mail_sender
    MONITORING_BASE_URL     = var.monitoring_base_url
    STAFF_PAGE_URL          = var.staff_page_url
    OWN_PAGES               = var.own_pages
    REPEAT_WINDOW_DAYS      = tostring(var.repeat_window_days)
    POWERTOOLS_SERVICE_NAME = "otklik"
    POWERTOOLS_LOG_LEVEL    = "INFO"
  }
  # Where the AWS-compatible APIs are (otklik.config.Settings.endpoint).
  yandex_env = {
    AWS_REGION            = "ru-central1"
    AWS_DEFAULT_REGION    = "ru-central1"
    DYNAMODB_ENDPOINT_URL = yandex_ydb_database_serverless.otklik.document_api_endpoint
    SQS_ENDPOINT_URL      = "https://message-queue.api.cloud.yandex.net"
    SES_ENDPOINT_URL      = "https://postbox.cloud.yandex.net"
    S3_ENDPOINT_URL       = "https://storage.yandexcloud.net"
    INDEX_PROJECTION      = "ALL"
  }
  # Lockbox entries every function gets (lockbox.tf).
  common_secrets = [
    "MONITORING_WEBHOOK_SECRET",
    "STAFF_TOKEN_SECRET",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
  ]

  functions = {
    IntakeFunction = {
      folder  = "intake"
      timeout = 15
      memory  = 512
      env     = {}
      secrets = []
    }
    RoutingFunction = {
      folder  = "routing"
      timeout = 30
      memory  = 512
      env     = { QUEUE_MAX_RECEIVES = "5" }
      secrets = []
    }
    DraftSubmissionFunction = {
      folder  = "draft_submission"
      timeout = 15
      memory  = 512
      env     = { ATTACHMENTS_BUCKET = local.attachments_bucket }
      secrets = []
    }
    StaffApiFunction = {
      folder  = "staff_api"
      timeout = 29
      memory  = 1024
      env     = {}
      secrets = []
    }
    CuratorCallbackFunction = {
      folder  = "curator_callback"
      timeout = 15
      memory  = 512
      env     = {}
      secrets = []
    }
    PublishingFunction = {
      folder  = "publishing"
      timeout = 30
      memory  = 512
      env = {
        VK_GROUP_ID               = var.vk_group_id
        TELEGRAM_FALLBACK_CHAT_ID = var.telegram_fallback_chat_id
        OK_APPLICATION_KEY        = var.ok_application_key
        OK_GROUP_ID               = var.ok_group_id
        ATTACHMENTS_BUCKET        = local.attachments_bucket
        PUBLISHING_MAX_RECEIVES   = "5"
        QUEUE_MAX_RECEIVES        = "5"
      }
      secrets = ["VK_ACCESS_TOKEN", "TELEGRAM_BOT_TOKEN", "OK_ACCESS_TOKEN", "OK_APPLICATION_SECRET_KEY"]
    }
    SweeperFunction = {
      folder  = "sweeper"
      timeout = 60
      memory  = 512
      env     = { RETENTION_MONTHS = tostring(var.retention_months) }
      secrets = []
    }
    NotificationFunction = {
      folder  = "notifications"
      timeout = 30
      memory  = 512
      env     = { QUEUE_MAX_RECEIVES = "5" }
      secrets = []
    }
    MonitoringOutboundFunction = {
      folder  = "monitoring_outbound"
      timeout = 60
      memory  = 512
      env     = { QUEUE_MAX_RECEIVES = "5" }
      secrets = ["MONITORING_OUTBOUND_SECRET"]
    }
  }
}

resource "yandex_function" "fn" {
  for_each           = local.functions
  name               = "${var.prefix}-${replace(each.value.folder, "_", "-")}"
  description        = "Otklik ${each.key}"
  runtime            = "python312"
  entrypoint         = "app.lambda_handler"
  memory             = each.value.memory
  execution_timeout  = tostring(each.value.timeout)
  service_account_id = yandex_iam_service_account.functions.id
  user_hash          = filesha256("${path.module}/build/${each.value.folder}.zip")
  environment        = merge(local.common_env, local.yandex_env, each.value.env)

  content {
    zip_filename = "${path.module}/build/${each.value.folder}.zip"
  }

  dynamic "secrets" {
    for_each = [
      for key in concat(local.common_secrets, each.value.secrets) : key
      if contains(local.present_secrets, key)
    ]
    content {
      id                   = yandex_lockbox_secret.otklik.id
      version_id           = yandex_lockbox_secret_version.otklik.id
      key                  = secrets.value
      environment_variable = secrets.value
    }
  }

  depends_on = [yandex_resourcemanager_folder_iam_member.roles]
}
