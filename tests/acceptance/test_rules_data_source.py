"""AccRulesDataSource: compiled per-platform rules, checked against the article's numbers."""

import article
from clouds import parse_ports, split_port


def _rules(ws, platform: str, args: str = ""):
    ws.write(f'''
        data "office_at_hand_rules" "x" {{
          platform = "{platform}"
          {args}
        }}
        output "r" {{
          value = data.office_at_hand_rules.x
        }}
        ''')
    ws.init()
    ws.apply()
    return ws.output_json()["r"]


def test_aws_video_rules_open_only_the_supernets(ws):
    r = _rules(ws, "aws", 'services = ["video"]')
    assert r["rules"], r
    cidrs, udp_media = set(), False
    for key, rule in r["rules"].items():
        # Never "all protocols" (aws#27254): each rule names its transports.
        assert set(rule["protocol"].lower().split("+")) <= {"tcp", "udp"}, (key, rule)
        assert rule["direction"].lower() == "egress", (key, rule)
        assert rule["description"], key
        cidrs |= set(rule["cidrs"])
        for p in rule["ports"]:
            if split_port(p, rule["protocol"])[0] == "udp" and parse_ports(p) == article.VIDEO_MEDIA_UDP:
                udp_media = True
    assert cidrs == article.SUPERNETS
    assert udp_media, "UDP 10000-19999 media rule missing"
    assert r["catalog_version"]
    assert r["unenforceable"], "domain-only rows must be reported, not dropped"


def test_aws_all_services_cost_matches_the_worked_example(ws):
    r = _rules(ws, "aws", f"rule_quota = 1000")
    assert r["rules_needed"] == article.AWS_ALL_SERVICES_RULE_ENTRIES, r["rules_needed"]


def test_azure_and_gcp_are_compact(ws):
    az = _rules(ws, "azure")
    assert 1 <= len(az["rules"]) <= 4, az["rules"].keys()
    for rule in az["rules"].values():
        assert rule["priority"] >= 100
    gcp = _rules(ws, "gcp")
    assert 1 <= len(gcp["rules"]) <= 4, gcp["rules"].keys()
