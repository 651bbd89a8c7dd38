output "url" {
  description = "The staff page and the API (https://<domain>/api/v1/...)."
  value       = "https://${yandex_api_gateway.otklik.domain}"
}

output "document_api_endpoint" {
  value = yandex_ydb_database_serverless.otklik.document_api_endpoint
}

output "page_bucket" {
  value = yandex_storage_bucket.StaffPageBucket.bucket
}

output "dead_letter_queues" {
  value = { for k, q in yandex_message_queue.dead_letter : local.queues[k].dead_letter_queue => q.id }
}
