terraform {
  required_providers {
    office = {
      source = "office-at-hand/office"
    }
  }
}

# Every setting is optional. Cloud credentials follow each cloud's usual conventions
# (AWS_* / ARM_* / GOOGLE_* environment variables, shared files, instance metadata).
provider "office" {
  aws {
    region = "us-east-1"
  }

  azure {
    tenant_id = "00000000-0000-0000-0000-000000000000"
    client_id = "11111111-1111-1111-1111-111111111111"
    # client_secret from ARM_CLIENT_SECRET
  }

  gcp {
    # credentials from GOOGLE_APPLICATION_CREDENTIALS
  }
}
