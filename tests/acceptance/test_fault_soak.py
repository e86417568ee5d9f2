"""AccFaultSoak: faulted applies against the AWS, Azure and GCP fakes (5xx, throttling, resets,
lost answers), at a light (10 %) and a heavy (50 %) fault rate. After every apply, whether it
failed or not, the cloud is compared with state: no rule of the allowlist missing from state
(lost), no rule marked by an allowlist nobody records (orphan), no rule twice (duplicate). Then
one clean apply converges and the next plan is empty. The figures are printed (pytest -s).

Each apply switches the selection, so every round writes: creates, updates and deletes. Faults
are queued by count on the fakes (count = rate x the calls an apply makes), random in kind and
in the call they hit; OpenTofu drives it (Terraform runs the same provider code paths in the
other suites).
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

import clouds
from blocks import aws_provider_block, azure_provider_block, gcp_provider_block
from test_ownership import MARKER, AwsTarget, AzureTarget, GcpTarget, resource
from tfharness import Workspace

ROUNDS = 5  # per cloud and rate: 3 clouds x 2 rates x 5 = 30 faulted applies
SELECTIONS = (["video"], ["desktop_softphone"], ["video", "desktop_softphone"])
CALLS_PER_APPLY = 12  # roughly what one round's apply sends (reads, writes, waits)

FAULTS = {
    "aws": [{"kind": k} for k in ("throttle", "5xx", "drop", "drop_after")],
    "azure": [{"kind": k, "method": m} for k in ("throttle", "5xx", "busy", "drop", "drop_before")
              for m in ("PUT", "DELETE", "GET")],
    "gcp": [{"kind": "throttle"}, {"kind": "5xx"}, {"kind": "drop"}, {"kind": "drop", "after": True},
            {"kind": "opfail"}],
}


def _clear(name: str, control: str) -> None:
    if name == "aws":
        status, body, _ = clouds.http_json("POST", clouds._control_url(control, "_clear_faults"))
    else:
        status, body, _ = clouds.http_json("DELETE", clouds._control_url(control, "_fault"))
    assert status < 300, body


def _content(t, where, values: dict | None) -> tuple[dict, set, set]:
    """(cloud: allowlist id -> Counter of rule identities, state identities, maybe-identities)."""
    cloud: dict[str, Counter] = {}
    if t.name == "aws":
        for g in where:
            for r in t.env.rules(g):
                tags = {x["Key"]: x["Value"] for x in r.get("Tags", [])}
                if "office-at-hand:allowlist" in tags:
                    cloud.setdefault(tags.get("office-at-hand:allowlist-id", ""), Counter())[
                        clouds.aws_rule_tuple(r)] += 1
    else:
        items = (t.env.rules(where[0]) if t.name == "azure" else t.env.firewalls(where[0]))
        for r in items:
            desc = (r.get("properties", {}).get("description") if t.name == "azure" else r.get("description"))
            m = MARKER.search(desc or "")
            if m:
                cloud.setdefault(m.group(2) or "", Counter())[r["name"]] += 1
    state, maybe = set(), set()
    if values is not None:
        for k, r in values["rules"].items():
            ids = clouds.state_rule_tuples({k: r}) if t.name == "aws" else {r["name"]}
            (maybe if r["remote_id"] == "unconfirmed" else state).update(ids)
    return cloud, state, maybe


def _values(ws: Workspace) -> dict | None:
    state = ws.show_json().get("values", {}).get("root_module", {}).get("resources", [])
    return state[0]["values"] if state else None


@pytest.mark.parametrize("rate", [0.1, 0.5], ids=["10pct", "50pct"])
@pytest.mark.parametrize("cloud", ["aws", "azure", "gcp"])
def test_fault_soak(request, tofu_ws, cloud, rate):
    info = request.getfixturevalue(f"{cloud}_fake")
    t = {"aws": lambda: AwsTarget(clouds.AwsEnv(info), info),
         "azure": lambda: AzureTarget(clouds.AzureEnv(info), info),
         "gcp": lambda: GcpTarget(clouds.GcpEnv(info), info)}[cloud]()
    provider = {"aws": aws_provider_block, "azure": azure_provider_block,
                "gcp": gcp_provider_block}[cloud](info, 3)
    control = info.get("control") or f"{info['endpoint']}/_fault"
    where = t.new()
    rng = random.Random(f"{cloud}-{rate}")
    figures = Counter()
    tofu_ws.write(provider + resource("a", t, where, SELECTIONS[0]))
    tofu_ws.init()
    try:
        for i in range(ROUNDS):
            tofu_ws.write(provider + resource("a", t, where, SELECTIONS[(i + 1) % len(SELECTIONS)]))
            for _ in range(max(1, round(rate * CALLS_PER_APPLY))):
                clouds.inject_fault(control, count=1, **rng.choice(FAULTS[cloud]))
            r = tofu_ws.apply(check=False)
            _clear(cloud, control)
            figures["applies"] += 1
            figures["failed"] += r.returncode != 0
            assert "panic" not in r.output.lower() and "crash" not in r.output.lower(), r.describe()
            values = _values(tofu_ws)
            aid = values["allowlist_id"] if values else None
            marked, state, maybe = _content(t, where, values)
            mine = marked.get(aid, Counter()) if aid else Counter()
            lost = set(mine) - state - maybe
            orphans = {k for k in marked if k != aid}
            dups = {k for k, n in mine.items() if n > 1}
            phantoms = state - set(mine)
            figures["lost"] += len(lost)
            figures["orphans"] += sum(len(marked[k]) for k in orphans)
            figures["duplicates"] += len(dups)
            figures["phantoms"] += len(phantoms)
            figures["unconfirmed"] += len(maybe)
            assert not lost, f"round {i}: rules in the cloud missing from state: {sorted(lost)}\n{r.describe()}"
            assert not orphans, f"round {i}: rules marked by unknown allowlists {orphans}\n{r.describe()}"
            assert not dups, f"round {i}: duplicates {dups}"
        # One clean apply converges; the next plan is empty.
        tofu_ws.apply()
        marked, state, maybe = _content(t, where, _values(tofu_ws))
        aid = _values(tofu_ws)["allowlist_id"]
        assert not maybe and set(marked) == {aid} and set(marked[aid]) == state
        assert max(marked[aid].values()) == 1
        assert tofu_ws.plan().returncode == 0, tofu_ws.history[-1].describe()
    finally:
        _clear(cloud, control)
        print(f"\nSOAK {cloud} {int(rate * 100)}%: {dict(figures)}")
