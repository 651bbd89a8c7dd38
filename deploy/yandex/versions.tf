# Otklik on Yandex Cloud: the same functions, queues, tables and routes as template.yaml and
# openapi.yaml (tests/integration/test_yandex_deploy.py compares them). `make deploy-yandex`
# builds the function packages (build.py) and applies this in two steps (deploy.py): first the
# database and the deployer's static key, which the AWS provider below needs, then the rest.

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    yandex = {
      source  = "yandex-cloud/yandex"
      version = ">= 0.120"
    }
    # The YDB Document API is DynamoDB-compatible: its document tables are made with the AWS
    # provider's aws_dynamodb_table, as https://yandex.cloud/ru/docs/ydb/terraform/dynamodb-tables
    # shows (the four skip_* settings are required there).
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

# Credentials from the environment: YC_TOKEN (or YC_SERVICE_ACCOUNT_KEY_FILE), YC_CLOUD_ID,
# YC_FOLDER_ID (deploy.py checks them and passes the folder as var.folder_id).
provider "yandex" {
  folder_id = var.folder_id
  zone      = var.zone
}

provider "aws" {
  region                      = "ru-central1"
  access_key                  = yandex_iam_service_account_static_access_key.deployer.access_key
  secret_key                  = yandex_iam_service_account_static_access_key.deployer.secret_key
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_requesting_account_id  = true
  endpoints {
    dynamodb = yandex_ydb_database_serverless.otklik.document_api_endpoint
  }
}
