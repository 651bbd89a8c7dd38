# The parameters of template.yaml, as Terraform variables. Secrets are sensitive and go to
# Lockbox (lockbox.tf), from where the functions get them as environment variables; pass them
# as TF_VAR_<name> (deploy.py reads nothing else), never in a committed file.

variable "folder_id" {
  type        = string
  description = "The Yandex Cloud folder (YC_FOLDER_ID)."
}

variable "zone" {
  type    = string
  default = "ru-central1-a"
}

variable "prefix" {
  type        = string
  default     = "otklik"
  description = "Names of every resource start with it (one deployment per folder and prefix)."
}

variable "monitoring_webhook_secret" {
  type        = string
  sensitive   = true
  description = "MonitoringWebhookSecret: the monitoring system's HMAC secret(s), comma-separated to rotate."
}

variable "staff_token_secret" {
  type        = string
  sensitive   = true
  description = "StaffTokenSecret: signs the staff page's bearer tokens (openssl rand -hex 32)."
}

variable "staff_token_ttl_minutes" {
  type    = number
  default = 600
}

variable "display_timezone" {
  type    = string
  default = "Asia/Barnaul"
}

variable "mail_sender" {
  type        = string
  description = "MailSender: an address of a domain verified in Cloud Postbox."
}

variable "monitoring_base_url" {
  type    = string
  default = ""
}

# The staff page's address (the API gateway's domain, e.g. https://<id>.apigw.yandexcloud.net/)
# for the links to cases in e-mails; empty, letters name the case instead. Set it after the
# first apply, when the gateway's domain is known.
variable "staff_page_url" {
  type    = string
  default = ""
}

# The administration's own pages (clause 15's fallback): links separated by spaces, a VK page by
# its number, e.g. "https://vk.com/club170171414 https://t.me/zudilovo_adm".
variable "own_pages" {
  type    = string
  default = ""
}

variable "repeat_window_days" {
  type    = number
  default = 30
}

variable "retention_months" {
  type    = number
  default = 36
}

variable "monitoring_outbound_secret" {
  type      = string
  sensitive = true
  default   = ""
}

variable "vk_access_token" {
  type      = string
  sensitive = true
  default   = ""
}

variable "vk_group_id" {
  type    = string
  default = ""
}

variable "telegram_bot_token" {
  type      = string
  sensitive = true
  default   = ""
}

variable "telegram_fallback_chat_id" {
  type    = string
  default = ""
}

variable "ok_access_token" {
  type      = string
  sensitive = true
  default   = ""
}

variable "ok_application_key" {
  type    = string
  default = ""
}

variable "ok_application_secret_key" {
  type      = string
  sensitive = true
  default   = ""
}

variable "ok_group_id" {
  type    = string
  default = ""
}
