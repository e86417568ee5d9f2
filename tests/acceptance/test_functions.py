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
    # OpenTofu 1.12 only wires up provider functions that the configuration references: typed
    # straight into the console, provider::office::supernets() fails inside tofu ("function
    # provider has not been tracked properly", or, when the config calls it too, "the client
    # connection is closing"). Evaluating configuration that calls it works, as users do.
    tofu_ws.write('''
        locals {
          supernets = provider::office::supernets()
        }
        ''')
    tofu_ws.init()
    r = tofu_ws.console("jsonencode(sort(local.supernets))").ok()
    text = r.stdout.strip()
    for cidr in article.SUPERNETS:
        assert cidr in text, text
