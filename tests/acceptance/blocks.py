"""HCL provider blocks pointing the provider at the loopback fakes (no real credentials)."""

import clouds
from tfharness import hcl_string


def aws_provider_block(info: dict, max_retries: int | None = None) -> str:
    retries = f"\n    max_retries  = {max_retries}" if max_retries is not None else ""
    return f"""
provider "office" {{
  aws {{
    region       = "{clouds.AWS_REGION}"
    access_key   = "testing"
    secret_key   = "testing"
    ec2_endpoint = {hcl_string(info["endpoint"])}{retries}
  }}
}}
"""


def azure_provider_block(info: dict, max_retries: int | None = None) -> str:
    retries = f"\n    max_retries               = {max_retries}" if max_retries is not None else ""
    return f"""
provider "office" {{
  azure {{
    tenant_id                 = {hcl_string(info["tenant_id"])}
    client_id                 = {hcl_string(info["client_id"])}
    client_secret             = {hcl_string(info["client_secret"])}
    resource_manager_endpoint = {hcl_string(info["arm_endpoint"])}
    authority_host            = {hcl_string(info["token_endpoint"])}{retries}
  }}
}}
"""


def gcp_provider_block(info: dict, max_retries: int | None = None) -> str:
    retries = f"\n    max_retries      = {max_retries}" if max_retries is not None else ""
    return f"""
provider "office" {{
  gcp {{
    credentials      = {hcl_string(info["credentials_file"])}
    compute_endpoint = {hcl_string(info["compute_endpoint"])}
    token_endpoint   = {hcl_string(info["token_endpoint"])}{retries}
  }}
}}
"""

