# template.yaml's queues, each with its dead-letter queue and redrive policy (maxReceiveCount 5),
# and one Message Queue trigger per queue calling its consumer with batch size 1: the trigger has
# no partial batch response, a failed call returns the whole batch
# (https://yandex.cloud/ru/docs/functions/concepts/trigger/ymq-trigger), so a batch of one
# returns only the message that failed (the handlers also raise for any failure in a larger
# batch, and every consumer drops a message id it has processed).
# yandex_message_queue takes a static key: the deployer's.

locals {
  queues = {
    RoutingQueue = {
      name              = "routing"
      dead_letter_queue = "RoutingDeadLetterQueue"
      consumer          = "RoutingFunction"
      visibility        = 180
    }
    NotificationQueue = {
      name              = "notification"
      dead_letter_queue = "NotificationDeadLetterQueue"
      consumer          = "NotificationFunction"
      visibility        = 180
    }
    PublishingQueue = {
      name              = "publishing"
      dead_letter_queue = "PublishingDeadLetterQueue"
      consumer          = "PublishingFunction"
      visibility        = 180
    }
    MonitoringQueue = {
      name              = "monitoring"
      dead_letter_queue = "MonitoringDeadLetterQueue"
      consumer          = "MonitoringOutboundFunction"
      visibility        = 360
    }
  }
  max_receive_count = 5
}

resource "yandex_message_queue" "dead_letter" {
  for_each                  = local.queues
  name                      = "${var.prefix}-${each.value.name}-dlq"
  message_retention_seconds = 1209600
  access_key                = yandex_iam_service_account_static_access_key.deployer.access_key
  secret_key                = yandex_iam_service_account_static_access_key.deployer.secret_key
  depends_on                = [yandex_resourcemanager_folder_iam_member.roles]
}

resource "yandex_message_queue" "queue" {
  for_each                   = local.queues
  name                       = "${var.prefix}-${each.value.name}"
  visibility_timeout_seconds = each.value.visibility
  message_retention_seconds  = 345600
  redrive_policy = jsonencode({
    deadLetterTargetArn = yandex_message_queue.dead_letter[each.key].arn
    maxReceiveCount     = local.max_receive_count
  })
  access_key = yandex_iam_service_account_static_access_key.deployer.access_key
  secret_key = yandex_iam_service_account_static_access_key.deployer.secret_key
}

resource "yandex_function_trigger" "queue" {
  for_each = local.queues
  name     = "${var.prefix}-${each.value.name}"
  message_queue {
    queue_id           = yandex_message_queue.queue[each.key].arn
    service_account_id = yandex_iam_service_account.invoker.id
    batch_size         = "1"
    batch_cutoff       = "5"
  }
  function {
    id                 = yandex_function.fn[each.value.consumer].id
    service_account_id = yandex_iam_service_account.invoker.id
  }
}

# The sweeper every 5 minutes (cron in UTC, fields Minutes Hours Day-of-month Month Day-of-week
# Year: https://yandex.cloud/ru/docs/functions/concepts/trigger/timer); the timer's
# event_metadata.created_at is the sweep's "now".
resource "yandex_function_trigger" "sweeper" {
  name = "${var.prefix}-sweeper"
  timer {
    cron_expression = "0/5 * ? * * *"
  }
  function {
    id                 = yandex_function.fn["SweeperFunction"].id
    service_account_id = yandex_iam_service_account.invoker.id
  }
}
