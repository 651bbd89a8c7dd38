# The staff page's bucket (served through the API gateway, api-gateway.yaml) and the drafts'
# attachments bucket (template.yaml's StaffPageBucket and AttachmentsBucket). Both private.

resource "yandex_storage_bucket" "StaffPageBucket" {
  bucket     = "${var.prefix}-page-${var.folder_id}"
  access_key = yandex_iam_service_account_static_access_key.deployer.access_key
  secret_key = yandex_iam_service_account_static_access_key.deployer.secret_key
  depends_on = [yandex_resourcemanager_folder_iam_member.roles]
}

# Its name is fixed here (not read from the resource) so the functions, which the gateway
# needs, do not wait for the bucket whose CORS names the gateway.
locals {
  attachments_bucket = "${var.prefix}-attachments-${var.folder_id}"
}

resource "yandex_storage_bucket" "AttachmentsBucket" {
  bucket     = local.attachments_bucket
  access_key = yandex_iam_service_account_static_access_key.deployer.access_key
  secret_key = yandex_iam_service_account_static_access_key.deployer.secret_key
  cors_rule {
    allowed_methods = ["PUT", "GET"]
    allowed_origins = ["https://${yandex_api_gateway.otklik.domain}"]
    allowed_headers = ["*"]
    max_age_seconds = 600
  }
  depends_on = [yandex_resourcemanager_folder_iam_member.roles]
}

locals {
  web_root = "${path.module}/../../web"
  web_files = [
    for f in fileset(local.web_root, "**") : f
    if !endswith(f, ".py") && f != "README.md"
  ]
  content_types = {
    html = "text/html; charset=utf-8"
    js   = "text/javascript; charset=utf-8"
    css  = "text/css; charset=utf-8"
    json = "application/json; charset=utf-8"
    png  = "image/png"
    svg  = "image/svg+xml"
    ico  = "image/x-icon"
  }
}

resource "yandex_storage_object" "page" {
  for_each     = toset(local.web_files)
  bucket       = yandex_storage_bucket.StaffPageBucket.bucket
  key          = each.value
  source       = "${local.web_root}/${each.value}"
  source_hash  = filemd5("${local.web_root}/${each.value}")
  content_type = lookup(local.content_types, reverse(split(".", each.value))[0], "application/octet-stream")
  access_key   = yandex_iam_service_account_static_access_key.deployer.access_key
  secret_key   = yandex_iam_service_account_static_access_key.deployer.secret_key
}
