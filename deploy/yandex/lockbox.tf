# The secrets in Lockbox; each function gets those it needs as environment variables
# (yandex_function's `secrets`, https://yandex.cloud/ru/docs/functions/operations/function/lockbox-secret-transmit).
# Lockbox keeps no empty value, so a channel token left empty is no entry: that network is
# published by hand, as with an empty template parameter.

locals {
  secret_values = {
    MONITORING_WEBHOOK_SECRET  = var.monitoring_webhook_secret
    STAFF_TOKEN_SECRET         = var.staff_token_secret
    AWS_ACCESS_KEY_ID          = yandex_iam_service_account_static_access_key.functions.access_key
    AWS_SECRET_ACCESS_KEY      = yandex_iam_service_account_static_access_key.functions.secret_key
    MONITORING_OUTBOUND_SECRET = var.monitoring_outbound_secret
    VK_ACCESS_TOKEN            = var.vk_access_token
    TELEGRAM_BOT_TOKEN         = var.telegram_bot_token
    OK_ACCESS_TOKEN            = var.ok_access_token
    OK_APPLICATION_SECRET_KEY  = var.ok_application_secret_key
  }
  # nonsensitive(): which keys are set is not a secret; their values stay sensitive.
  present_secrets = nonsensitive(toset([for k, v in local.secret_values : k if v != ""]))
}

resource "yandex_lockbox_secret" "otklik" {
  name                = var.prefix
  description         = "Otklik's secrets and the functions' static key."
  deletion_protection = true
}

resource "yandex_lockbox_secret_version" "otklik" {
  secret_id = yandex_lockbox_secret.otklik.id
  dynamic "entries" {
    for_each = local.present_secrets
    content {
      key        = entries.value
      text_value = local.secret_values[entries.value]
    }
  }
}
