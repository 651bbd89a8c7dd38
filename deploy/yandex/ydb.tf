# The YDB serverless database and its document tables: template.yaml's five tables, the same keys
# and indexes. Every index projects ALL, the only projection the Document API's CreateTable takes
# (https://yandex.cloud/ru/docs/ydb/docapi/api-ref/actions/createTable); the functions are told
# so (INDEX_PROJECTION=ALL) and read the same way whatever the projection. The sweeper's
# open-by-due index is sparse: a closed case has no open_shard, so it is not in the index.

resource "yandex_ydb_database_serverless" "otklik" {
  name                = var.prefix
  folder_id           = var.folder_id
  deletion_protection = true
  serverless_database {
    storage_size_limit = 5
  }
}

resource "aws_dynamodb_table" "CasesTable" {
  name         = "${var.prefix}-cases"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "case_id"

  attribute {
    name = "case_id"
    type = "S"
  }
  attribute {
    name = "open_shard"
    type = "S"
  }
  attribute {
    name = "next_due"
    type = "S"
  }
  attribute {
    name = "month"
    type = "S"
  }
  attribute {
    name = "received_at"
    type = "S"
  }
  attribute {
    name = "author_key"
    type = "S"
  }
  attribute {
    name = "thread_key"
    type = "S"
  }

  global_secondary_index {
    name            = "open-by-due"
    hash_key        = "open_shard"
    range_key       = "next_due"
    projection_type = "ALL"
  }
  global_secondary_index {
    name            = "by-month"
    hash_key        = "month"
    range_key       = "received_at"
    projection_type = "ALL"
  }
  global_secondary_index {
    name            = "by-author"
    hash_key        = "author_key"
    range_key       = "received_at"
    projection_type = "ALL"
  }
  global_secondary_index {
    name            = "by-thread"
    hash_key        = "thread_key"
    range_key       = "received_at"
    projection_type = "ALL"
  }
}

resource "aws_dynamodb_table" "AuditTable" {
  name         = "${var.prefix}-audit"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "case_id"
  range_key    = "seq"

  attribute {
    name = "case_id"
    type = "S"
  }
  attribute {
    name = "seq"
    type = "S"
  }
}

resource "aws_dynamodb_table" "IdempotencyTable" {
  name         = "${var.prefix}-idempotency"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "key"

  attribute {
    name = "key"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }
}

resource "aws_dynamodb_table" "DirectoryTable" {
  name         = "${var.prefix}-directory"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }
}

resource "aws_dynamodb_table" "OutboxTable" {
  name         = "${var.prefix}-outbox"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "shard"
  range_key    = "sk"

  attribute {
    name = "shard"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }
}
