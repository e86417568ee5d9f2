"""AccFunctions: provider-defined functions. OpenTofu only: Terraform gained provider functions in
1.8 and the Terraform we test (1.5.7) cannot call them."""

import article


def test_supernets_function_from_output(tofu_ws):
    tofu_ws.write('''
        output "s" {
          value = provider::office::supernets()
        }
        ''')
    tofu_ws.init()
    tofu_ws.apply()
    assert set(tofu_ws.output_json()["s"]) == article.SUPERNETS


def test_supernets_function_in_console(tofu_ws):
    tofu_ws.write('provider "office" {}\n')
    tofu_ws.init()
    r = tofu_ws.console("jsonencode(provider::office::supernets())").ok()
    text = r.stdout.strip()
    for cidr in article.SUPERNETS:
        assert cidr in text, text
