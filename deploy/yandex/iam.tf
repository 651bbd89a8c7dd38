# Three service accounts, each with the least roles on the folder for what it does:
# - functions: what the handlers call through the AWS-compatible APIs (YDB Document API,
#   Message Queue, Postbox, Object Storage for attachments) with its static key, and reading
#   its Lockbox secret into the environment;
# - invoker: what the triggers and the API gateway do on our behalf — call the functions, read
#   and delete the queues' messages, read the staff page's objects;
# - deployer: what Terraform makes through those APIs (tables, queues, buckets), with its static
#   key (the AWS provider and yandex_message_queue take static keys only).
# Roles: https://yandex.cloud/ru/docs/iam/roles-reference; the Message Queue trigger's page
# (functions/concepts/trigger/ymq-trigger) says `editor` for the queue, ymq.reader is what
# reading and deleting need; see the README's list of what was checked only in the docs.

resource "yandex_iam_service_account" "functions" {
  name        = "${var.prefix}-functions"
  description = "Otklik's functions at run time."
}

resource "yandex_iam_service_account" "invoker" {
  name        = "${var.prefix}-invoker"
  description = "Otklik's triggers and API gateway."
}

resource "yandex_iam_service_account" "deployer" {
  name        = "${var.prefix}-deployer"
  description = "Makes Otklik's tables, queues and buckets."
}

locals {
  roles = {
    functions = [
      "ydb.editor",
      "ymq.reader",
      "ymq.writer",
      "postbox.sender",
      "storage.uploader",
      "lockbox.payloadViewer",
    ]
    invoker  = ["functions.functionInvoker", "ymq.reader", "storage.viewer"]
    deployer = ["ydb.editor", "ymq.admin", "storage.editor"]
  }
  accounts = {
    functions = yandex_iam_service_account.functions.id
    invoker   = yandex_iam_service_account.invoker.id
    deployer  = yandex_iam_service_account.deployer.id
  }
  bindings = merge([
    for account, roles in local.roles : {
      for role in roles : "${account}/${role}" => { account = account, role = role }
    }
  ]...)
}

resource "yandex_resourcemanager_folder_iam_member" "roles" {
  for_each  = local.bindings
  folder_id = var.folder_id
  role      = each.value.role
  member    = "serviceAccount:${local.accounts[each.value.account]}"
}

resource "yandex_iam_service_account_static_access_key" "functions" {
  service_account_id = yandex_iam_service_account.functions.id
  description        = "The functions' AWS-compatible API key (in Lockbox)."
}

resource "yandex_iam_service_account_static_access_key" "deployer" {
  service_account_id = yandex_iam_service_account.deployer.id
  description        = "Terraform's key for the tables, queues and buckets."
}
