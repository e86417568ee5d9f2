"""Self-tests of the GCP fake's validator (tests/fakes/gcp/compute_spec.py): requests the
Compute v1 discovery document refuses must be refused by the fake, with the error shape
Compute uses; the requests the provider sends must pass; operations/wait holds as documented.
A fake that accepts what the real API refuses fails here."""

from __future__ import annotations

import pathlib
import sys
import time
import urllib.parse

import pytest

import clouds

sys.path.insert(0, str(clouds.REPO / "tests" / "fakes" / "gcp"))
import compute_spec  # noqa: E402


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    """A fake of its own: these tests change its operation timing."""
    proc = clouds.FakeProcess("gcp", tmp_path_factory.mktemp("gcp-spec"))
    info = proc.start()
    yield info
    proc.stop()


@pytest.fixture
def env(fake) -> clouds.GcpEnv:
    clouds.http_json("POST", f"{fake['compute_endpoint']}/_config",
                     body={"op_seconds": 0, "wait_max": 120, "op_steps": 2})
    return clouds.GcpEnv(fake)


def raw(env: clouds.GcpEnv, method: str, path: str, body=None, query: str = ""):
    """One Compute call without waiting; returns (status, body)."""
    url = f"{env.base}/projects/{env.project}{path}" + (f"?{query}" if query else "")
    status, data, _ = clouds.http_json(method, url, body=body,
                                       headers={"Authorization": f"Bearer {env.token()}"})
    return status, data


def assert_google_error(status: int, body, code: int, reason: str, text: str = "") -> None:
    assert status == code, (status, body)
    assert isinstance(body, dict) and set(body) == {"error"}, body
    err = body["error"]
    assert err["code"] == code and isinstance(err["message"], str) and err["message"], err
    assert err["errors"] and set(err["errors"][0]) == {"domain", "reason", "message"}, err
    assert err["errors"][0]["reason"] == reason, err
    if text:
        assert text in err["message"], err["message"]


def firewall(network_url: str, name: str, **extra) -> dict:
    body = {"name": name, "network": network_url, "direction": "EGRESS", "priority": 1000,
            "destinationRanges": ["192.0.2.0/24"],
            "allowed": [{"IPProtocol": "tcp", "ports": ["443"]}],
            "description": "spec self-test", "logConfig": {"enable": False}}
    body.update(extra)
    return body


def test_ready_line_names_the_discovery_document(fake):
    assert fake["discovery_version"] == "v1"
    assert fake["discovery_revision"].isdigit(), fake
    assert fake["google_api_python_client"] not in ("", "unknown"), fake


def test_discovery_document_is_what_the_rules_come_from():
    spec = compute_spec.ComputeSpec()
    name = spec.schemas["Firewall"]["properties"]["name"]
    assert "compute.firewalls.patch" in name["annotations"]["required"]
    assert "compute.firewalls.insert" in name["annotations"]["required"]
    flt = spec.method("compute.firewalls.list").params["filter"]["description"]
    assert "cannot combine constraints on multiple fields using regular" in " ".join(flt.split())
    wait = spec.method("compute.globalOperations.wait").desc["description"]
    assert "2 minute" in wait


def test_patch_without_name_is_refused(env):
    net = env.create_network()
    env.insert_firewall(firewall(env.network_url(net), f"spec-{net[-6:]}"))
    status, body = raw(env, "PATCH", f"/global/firewalls/spec-{net[-6:]}", {"priority": 900})
    assert_google_error(status, body, 400, "required", "Required field 'resource.name' not specified")
    # With the name it is accepted, and the firewall is unchanged by the refused one.
    env.patch_firewall(f"spec-{net[-6:]}", {"priority": 900})
    fw = [f for f in env.firewalls(net) if f["name"] == f"spec-{net[-6:]}"][0]
    assert fw["priority"] == 900


def test_insert_without_name_is_refused(env):
    body = firewall(env.network_url("default"), "x")
    del body["name"]
    status, data = raw(env, "POST", "/global/firewalls", body)
    assert_google_error(status, data, 400, "required", "'resource.name'")


@pytest.mark.parametrize("body_patch,where", [
    ({"portz": ["1"]}, "'resource'"),
    ({"allowed": [{"IPProtocol": "tcp", "portz": ["443"]}]}, "'resource.allowed[0]'"),
    ({"logConfig": {"enable": False, "verbose": True}}, "'resource.logConfig'"),
])
def test_unknown_property_is_refused(env, body_patch, where):
    status, data = raw(env, "POST", "/global/firewalls",
                       firewall(env.network_url("default"), "spec-unknown", **body_patch))
    assert_google_error(status, data, 400, "invalid", "Unknown name")
    assert where in data["error"]["message"]


@pytest.mark.parametrize("name", ["Bad_Name", "1abc", "abc-", "a" * 64, "x y"])
def test_bad_name_pattern_is_refused(env, name):
    status, data = raw(env, "POST", "/global/firewalls", firewall(env.network_url("default"), name))
    assert_google_error(status, data, 400, "invalid", "Must be a match of regex")


def test_bad_path_parameter_is_refused(env):
    status, data = raw(env, "GET", "/global/firewalls/Bad_Name")
    assert_google_error(status, data, 400, "invalid", "Must be a match of regex")


@pytest.mark.parametrize("body_patch", [
    {"direction": "SIDEWAYS"},
    {"logConfig": {"enable": True, "metadata": "SOME_METADATA"}},
])
def test_bad_enum_is_refused(env, body_patch):
    status, data = raw(env, "POST", "/global/firewalls",
                       firewall(env.network_url("default"), "spec-enum", **body_patch))
    assert_google_error(status, data, 400, "invalid", "TYPE_ENUM")


@pytest.mark.parametrize("body_patch", [
    {"priority": "high"}, {"priority": True}, {"disabled": "no"}, {"sourceRanges": "10.0.0.0/8"},
    {"allowed": {"IPProtocol": "tcp"}}, {"description": 7}, {"priority": 70000},
])
def test_wrong_type_or_size_is_refused(env, body_patch):
    status, data = raw(env, "POST", "/global/firewalls",
                       firewall(env.network_url("default"), "spec-type", **body_patch))
    assert_google_error(status, data, 400, "invalid")


@pytest.mark.parametrize("query", [
    "unknownParam=1", "maxResults=501", "maxResults=-1", "maxResults=ten",
    "maxResults=5&maxResults=6",
])
def test_bad_query_parameter_is_refused(env, query):
    status, data = raw(env, "GET", "/global/firewalls", query=query)
    assert_google_error(status, data, 400, "invalid")


@pytest.mark.parametrize("rid", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_bad_request_id_is_refused(env, rid):
    status, data = raw(env, "DELETE", "/global/firewalls/spec-none", query=f"requestId={rid}")
    assert_google_error(status, data, 400, "invalid", "requestId")


@pytest.mark.parametrize("flt,why", [
    ('(name eq "oah-.*") (network eq ".*/global/networks/default")', "multiple fields"),
    ('(name eq "oah-.*") (disabled = false)', "cannot be mixed"),
    ('(name eq "a.*") OR (name eq "b.*")', "AND / OR"),
    ('name eq', "Invalid list filter"),
    ('(name eq "a.*"', "unbalanced"),
    ('name ~ "a"', "Invalid list filter"),
])
def test_filter_outside_the_grammar_is_refused(env, flt, why):
    status, data = raw(env, "GET", "/global/firewalls",
                       query=urllib.parse.urlencode({"filter": flt}))
    assert_google_error(status, data, 400, "invalid", why)


def test_filters_inside_the_grammar_select_as_documented(env):
    net = env.create_network()
    tail = net[-6:]
    url = env.network_url(net)
    env.insert_firewall(firewall(url, f"sel-a-{tail}"))
    env.insert_firewall(firewall(url, f"sel-b-{tail}", priority=900))
    env.insert_firewall(firewall(url, f"other-{tail}"))

    def names(flt: str) -> list[str]:
        status, data = raw(env, "GET", "/global/firewalls",
                           query=urllib.parse.urlencode({"filter": flt}))
        assert status == 200, (flt, data)
        return sorted(f["name"] for f in data.get("items", []) if f["name"].endswith(tail))

    assert names(f'name eq "sel-.*-{tail}"') == [f"sel-a-{tail}", f"sel-b-{tail}"]
    assert names(f"name eq sel-a-{tail}") == [f"sel-a-{tail}"]
    assert names(f"name ne 'sel-.*'") == [f"other-{tail}"]
    assert names(f'(name eq ".*-{tail}") (name ne "other-.*")') == [f"sel-a-{tail}", f"sel-b-{tail}"]
    assert names(f'name = "sel-a-{tail}"') == [f"sel-a-{tail}"]
    assert names(f'(network = "{url}") (priority < 1000)') == [f"sel-b-{tail}"]
    assert names(f'(name = "sel-a-{tail}") OR (name = "other-{tail}")') == \
        [f"other-{tail}", f"sel-a-{tail}"]


def test_error_shapes_for_conflict_and_missing(env):
    net = env.create_network()
    body = firewall(env.network_url(net), f"dup-{net[-6:]}")
    env.insert_firewall(body)
    status, data = raw(env, "POST", "/global/firewalls", body)
    assert_google_error(status, data, 409, "alreadyExists", "already exists")
    status, data = raw(env, "GET", f"/global/firewalls/gone-{net[-6:]}")
    assert_google_error(status, data, 404, "notFound", "was not found")
    status, data = raw(env, "GET", "/global/firewallz")
    assert status == 404 and data["error"]["errors"][0]["reason"] == "notFound", data


def test_what_the_provider_sends_is_accepted(env):
    """The bodies of provider/cloud/gcp (FirewallToJson, the update patch) pass."""
    net = env.create_network()
    name = f"oah-ok-{net[-6:]}"
    env.call("POST", "/global/firewalls", firewall(env.network_url(net), name),
             expect=(200,))
    patch = {"name": name, "priority": 1000, "description": "d", "allowed": [
        {"IPProtocol": "udp", "ports": ["3478-3479"]}], "destinationRanges": ["192.0.2.0/24"],
        "logConfig": {"enable": False}, "targetTags": [], "targetServiceAccounts": [],
        "sourceTags": [], "sourceServiceAccounts": [], "denied": [], "sourceRanges": [],
        "disabled": False}
    env.call("PATCH", f"/global/firewalls/{name}", patch)
    status, _ = raw(env, "GET", "/global/firewalls",
                    query=urllib.parse.urlencode({"filter": 'name eq "oah-.*"', "maxResults": 500}))
    assert status == 200


def _op(env: clouds.GcpEnv, net: str, name: str) -> dict:
    status, op = raw(env, "POST", "/global/firewalls", firewall(env.network_url(net), name))
    assert status == 200 and op["status"] != "DONE", op
    return op


def _wait_once(env: clouds.GcpEnv, op: dict) -> tuple[dict, float]:
    start = time.monotonic()
    status, body = raw(env, "POST", f"/global/operations/{op['name']}/wait")
    assert status == 200, body
    return body, time.monotonic() - start


def test_wait_holds_until_done(fake, env):
    net = env.create_network()
    clouds.http_json("POST", f"{fake['compute_endpoint']}/_config", body={"op_seconds": 1.5})
    op, held = _wait_once(env, _op(env, net, f"hold-{net[-6:]}"))
    assert op["status"] == "DONE" and "error" not in op, op
    assert 1.3 <= held < 10, held


def test_wait_answers_not_done_at_its_deadline(fake, env):
    net = env.create_network()
    clouds.http_json("POST", f"{fake['compute_endpoint']}/_config",
                     body={"op_seconds": 2.5, "wait_max": 0.8})
    op = _op(env, net, f"slow-{net[-6:]}")
    first, held = _wait_once(env, op)
    assert first["status"] in ("PENDING", "RUNNING"), first
    assert 0.6 <= held < 2.4, held
    for _ in range(10):
        op, _ = _wait_once(env, first)
        if op["status"] == "DONE":
            break
    assert op["status"] == "DONE" and "error" not in op, op


def test_operation_can_end_with_an_error(fake, env):
    net = env.create_network()
    name = f"opfail-{net[-6:]}"
    env.insert_firewall(firewall(env.network_url(net), name))
    clouds.inject_fault(fake["control"], kind="opfail", count=1, operation="patch", target=name,
                        code="RESOURCE_NOT_READY")
    status, op = raw(env, "PATCH", f"/global/firewalls/{name}", {"name": name, "priority": 5})
    assert status == 200, op
    for _ in range(10):
        if op["status"] == "DONE":
            break
        op, _ = _wait_once(env, op)
    assert op["status"] == "DONE" and op["error"]["errors"][0]["code"] == "RESOURCE_NOT_READY", op
    assert op["httpErrorStatusCode"] == 400
    fw = [f for f in env.firewalls(net) if f["name"] == name][0]
    assert fw["priority"] == 1000  # not applied


def test_fake_refuses_to_start_without_the_document(tmp_path):
    import subprocess

    script = pathlib.Path(clouds.REPO) / "tests" / "fakes" / "gcp" / "server.py"
    r = subprocess.run([sys.executable, str(script), "--discovery", str(tmp_path / "missing.json")],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and r.stdout == ""
    assert "discovery document" in r.stderr
