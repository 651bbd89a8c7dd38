# The API gateway: api-gateway.yaml, every openapi.yaml route to the function of template.yaml
# that serves it (payload format 1.0), the staff page from its bucket.

resource "yandex_api_gateway" "otklik" {
  name        = var.prefix
  description = "Otklik's API and staff page."
  spec = templatefile("${path.module}/api-gateway.yaml", {
    gateway_service_account_id   = yandex_iam_service_account.invoker.id
    page_bucket                  = yandex_storage_bucket.StaffPageBucket.bucket
    intake_function_id           = yandex_function.fn["IntakeFunction"].id
    curator_callback_function_id = yandex_function.fn["CuratorCallbackFunction"].id
    draft_submission_function_id = yandex_function.fn["DraftSubmissionFunction"].id
    staff_api_function_id        = yandex_function.fn["StaffApiFunction"].id
  })
}
