"""Request validation for the fake Compute server against the Compute Engine v1 discovery
document that google-api-python-client ships (googleapiclient/discovery_cache/documents/
compute.v1.json; installed by `./dev setup`, see tests/testdata/gcp/README.md).

What is checked, for every request under /compute/v1/:
  * method and path: the request must match one method's httpMethod + path template;
  * path and query parameters: known (the method's own plus the document's system
    parameters), not repeated unless `repeated`, `required` present, `pattern` (the whole
    value), `enum`, integer type, `minimum` / `maximum`, and the documented requestId form
    (a UUID, not the zero UUID);
  * the body, for methods that take one: a JSON object of the method's request schema,
    every property known (nested objects and arrays too), JSON types as the schema's
    type/format say, `enum` values, `pattern` (the whole value), and the fields whose
    `annotations.required` names the method (e.g. `name` for compute.firewalls.patch);
  * the list `filter` parameter, by the grammar its description gives (`parse_filter`).

Violations raise ApiError with the shape and wording Compute uses for them.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse


class ApiError(Exception):
    """A Google API error: {"error": {"code", "message", "errors": [{domain, reason, message}]}}."""

    def __init__(self, code, reason, message, domain="global"):
        super().__init__(message)
        self.code, self.reason, self.message, self.domain = code, reason, message, domain

    def body(self):
        return {"error": {"code": self.code, "message": self.message,
                          "errors": [{"message": self.message, "domain": self.domain,
                                      "reason": self.reason}]}}


def invalid(message):
    return ApiError(400, "invalid", message)


def default_document_path():
    """compute.v1.json inside the installed google-api-python-client."""
    env = os.environ.get("GCP_COMPUTE_DISCOVERY")
    if env:
        return env
    try:
        import googleapiclient  # noqa: PLC0415 (only needed to locate the file)
    except ImportError as e:
        raise RuntimeError("google-api-python-client is not installed (./dev setup installs it); "
                           "the fake Compute server validates requests against its "
                           "compute.v1.json discovery document") from e
    return os.path.join(os.path.dirname(googleapiclient.__file__), "discovery_cache",
                        "documents", "compute.v1.json")


def package_version():
    try:
        from importlib.metadata import version  # noqa: PLC0415
        return version("google-api-python-client")
    except Exception:  # noqa: BLE001 (informational only)
        return "unknown"


UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
INT_RANGES = {"int32": (-2**31, 2**31 - 1), "uint32": (0, 2**32 - 1),
              "int64": (-2**63, 2**63 - 1), "uint64": (0, 2**64 - 1)}


class Method:
    def __init__(self, desc, service_path):
        self.desc = desc
        self.id = desc["id"]
        self.http_method = desc["httpMethod"]
        self.params = desc.get("parameters", {})
        self.request_ref = (desc.get("request") or {}).get("$ref")
        path = "/" + service_path + desc["path"]
        self.segments = path.count("/")
        self.literal_chars = len(re.sub(r"\{[^}]+\}", "", path))
        pattern, self.path_names = "", []
        for part in re.split(r"(\{[^}]+\})", path):
            if part.startswith("{"):
                self.path_names.append(part[1:-1].lstrip("+"))
                pattern += "([^/]+)"
            else:
                pattern += re.escape(part)
        self.path_re = re.compile(pattern)


class ComputeSpec:
    def __init__(self, path=None):
        self.path = path or default_document_path()
        with open(self.path, encoding="utf-8") as fh:
            doc = json.load(fh)
        self.revision = doc.get("revision", "")
        self.version = doc.get("version", "")
        self.schemas = doc["schemas"]
        self.system_params = doc.get("parameters", {})
        self.methods = []
        service_path = doc.get("servicePath", "compute/v1/")

        def walk(resources):
            for res in resources.values():
                for m in res.get("methods", {}).values():
                    self.methods.append(Method(m, service_path))
                walk(res.get("resources", {}))
        walk(doc.get("resources", {}))
        # Most literal text first, so a fixed segment wins over a parameter.
        self.methods.sort(key=lambda m: -m.literal_chars)
        self.by_shape = {}  # (httpMethod, path segments) -> methods, in the order above
        for m in self.methods:
            self.by_shape.setdefault((m.http_method, m.segments), []).append(m)

    def describe(self):
        return {"discovery_revision": self.revision, "discovery_version": self.version,
                "google_api_python_client": package_version()}

    def method(self, method_id):
        for m in self.methods:
            if m.id == method_id:
                return m
        raise KeyError(method_id)

    # ---- matching -----------------------------------------------------------------------
    def match(self, http_method, path):
        """(Method, {path param: value}) or ApiError 404 as Google answers unknown URLs."""
        for m in self.by_shape.get((http_method, path.count("/")), []):
            mm = m.path_re.fullmatch(path)
            if mm:
                values = {n: urllib.parse.unquote(v) for n, v in zip(m.path_names, mm.groups())}
                return m, values
        if any(m.path_re.fullmatch(path) for m in self.methods):
            raise ApiError(405, "httpMethodNotAllowed",
                           f"Method {http_method} is not allowed for {path}.")
        raise ApiError(404, "notFound", f"The requested URL {path} was not found on this server.")

    # ---- parameters ---------------------------------------------------------------------
    def check_params(self, m, path_values, query):
        for name, values in query.items():
            p = m.params.get(name) or self.system_params.get(name)
            if p is None or p.get("location") == "path":
                raise invalid(f"Invalid JSON payload received. Unknown name \"{name}\": "
                              "Cannot bind query parameter. Field '" + name +
                              "' could not be found in request message.")
            if len(values) > 1 and not p.get("repeated"):
                raise invalid(f"Invalid value for field '{name}': the parameter is not "
                              "repeated but was given more than once.")
            for v in values:
                self.check_scalar_param(name, p, v)
        for name, p in m.params.items():
            if not p.get("required"):
                continue
            if p.get("location") == "path":
                v = path_values.get(name, "")
                if not v:
                    raise ApiError(400, "required", f"Required parameter '{name}' is missing.")
                self.check_scalar_param(name, p, v)
            elif name not in query:
                raise ApiError(400, "required", f"Required parameter '{name}' is missing.")
        rid = (query.get("requestId") or [""])[0]
        if "requestId" in query and "requestId" in m.params:
            # The parameter's description: a valid UUID, but not the zero UUID.
            if not UUID_RE.fullmatch(rid) or set(rid) <= {"0", "-"}:
                raise invalid(f"Invalid value for field 'requestId': '{rid}'. "
                              "Must be a valid UUID other than the zero UUID.")

    def check_scalar_param(self, name, p, v):
        t = p.get("type", "string")
        if t == "integer":
            if not re.fullmatch(r"-?\d+", v):
                raise invalid(f"Invalid value for field '{name}': '{v}'. Not an integer.")
            n = int(v)
            lo, hi = INT_RANGES.get(p.get("format", "int32"), INT_RANGES["int64"])
            if "minimum" in p:
                lo = max(lo, int(p["minimum"]))
            if "maximum" in p:
                hi = min(hi, int(p["maximum"]))
            if not lo <= n <= hi:
                raise invalid(f"Invalid value for field '{name}': '{v}'. Must be between {lo} "
                              f"and {hi}.")
        elif t == "boolean":
            if v not in ("true", "false", "True", "False", "1", "0"):
                raise invalid(f"Invalid value for field '{name}': '{v}'. Not a boolean.")
        if "enum" in p and v not in p["enum"]:
            raise invalid(f"Invalid value for field '{name}': '{v}'. Must be one of "
                          f"{p['enum']}.")
        if "pattern" in p and not re.fullmatch(p["pattern"], v):
            raise invalid(f"Invalid value for field '{name}': '{v}'. Must be a match of regex "
                          f"'(?:{p['pattern']})'")

    # ---- body -----------------------------------------------------------------------------
    def check_body(self, m, body):
        """Returns the parsed body (a dict) or None for methods without one."""
        if m.request_ref is None:
            return None
        try:
            obj = json.loads(body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ApiError(400, "parseError", f"Parse Error: {e}")
        if not isinstance(obj, dict):
            raise invalid("Invalid JSON payload received. Expected an object at 'resource'.")
        self.check_value({"$ref": m.request_ref}, obj, "resource")
        schema = self.schemas[m.request_ref]
        for field, prop in schema.get("properties", {}).items():
            if m.id in (prop.get("annotations") or {}).get("required", []):
                if obj.get(field) in (None, "", [], {}):
                    raise ApiError(400, "required",
                                   f"Required field 'resource.{field}' not specified")
        return obj

    def check_value(self, schema, value, where):
        if "$ref" in schema:
            schema = self.schemas[schema["$ref"]]
        if value is None:
            return  # JSON null: "not set" (and, in a merge patch, "clear")
        t = schema.get("type")
        if t == "object":
            if not isinstance(value, dict):
                raise invalid(f"Invalid value at '{where}': expected an object, got "
                              f"{json.dumps(value)[:80]}.")
            props = schema.get("properties", {})
            extra = schema.get("additionalProperties")
            for k, v in value.items():
                if k in props:
                    self.check_value(props[k], v, f"{where}.{k}")
                elif extra is not None:
                    self.check_value(extra, v, f"{where}[{k!r}]")
                else:
                    raise invalid(f"Invalid JSON payload received. Unknown name \"{k}\" at "
                                  f"'{where}': Cannot find field.")
        elif t == "array":
            if not isinstance(value, list):
                raise invalid(f"Invalid value at '{where}': expected a list, got "
                              f"{json.dumps(value)[:80]}.")
            for i, v in enumerate(value):
                self.check_value(schema.get("items", {}), v, f"{where}[{i}]")
        elif t == "string":
            fmt = schema.get("format", "")
            if fmt in INT_RANGES and isinstance(value, int) and not isinstance(value, bool):
                value = str(value)  # 64-bit integers are strings in JSON; numbers are accepted
            if not isinstance(value, str):
                raise invalid(f"Invalid value at '{where}' (TYPE_STRING), {json.dumps(value)}")
            if fmt in INT_RANGES and not re.fullmatch(r"-?\d+", value):
                raise invalid(f"Invalid value at '{where}' ({fmt}), \"{value}\"")
            if "enum" in schema and value not in schema["enum"]:
                raise invalid(f"Invalid value at '{where}' (TYPE_ENUM), \"{value}\"")
            if "pattern" in schema and not re.fullmatch(schema["pattern"], value):
                raise invalid(f"Invalid value for field '{where}': '{value}'. Must be a match "
                              f"of regex '(?:{schema['pattern']})'")
        elif t == "integer":
            fmt = schema.get("format", "int32")
            if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
                value = int(value)  # proto3 JSON accepts integers as strings
            if isinstance(value, bool) or not isinstance(value, int):
                raise invalid(f"Invalid value at '{where}' (TYPE_{fmt.upper()}), "
                              f"{json.dumps(value)}")
            lo, hi = INT_RANGES.get(fmt, INT_RANGES["int64"])
            if not lo <= value <= hi:
                raise invalid(f"Invalid value at '{where}' (TYPE_{fmt.upper()}), {value}")
        elif t == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise invalid(f"Invalid value at '{where}' (TYPE_DOUBLE), {json.dumps(value)}")
        elif t == "boolean":
            if not isinstance(value, bool):
                raise invalid(f"Invalid value at '{where}' (TYPE_BOOL), {json.dumps(value)}")

    def validate(self, http_method, path, query, body):
        """Checks one request; returns (Method, path values, parsed body or None)."""
        m, values = self.match(http_method, path)
        self.check_params(m, values, query)
        obj = self.check_body(m, body)
        if "filter" in query and "filter" in m.params:
            parse_filter(query["filter"][0])
        return m, values, obj


# ---- list filters ---------------------------------------------------------------------------
# The `filter` parameter's description in the discovery document defines two kinds of
# expression that "cannot be mixed in one request":
#   * AIP-160: `field OP value`, OP one of = != > < <= >= : ; several expressions each in
#     parentheses, ANDed by default, with explicit AND / OR allowed;
#   * regular expressions: `field eq|ne literal` (unquoted, 'single' or "double" quoted;
#     RE2 syntax, must match the entire field), as one un-parenthesized expression or
#     several parenthesized ones; and "You cannot combine constraints on multiple fields
#     using regular expressions."
_FIELD = r"[A-Za-z_][A-Za-z0-9_.]*"
_LITERAL = r"\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^\s()]+"
_REGEX_EXPR = re.compile(rf"\s*({_FIELD})\s+(eq|ne)\s+({_LITERAL}|.+?)\s*")
_AIP_EXPR = re.compile(rf"\s*({_FIELD})\s*(!=|<=|>=|=|<|>|:)\s*({_LITERAL})\s*")


def _unquote(lit):
    if len(lit) >= 2 and lit[0] == lit[-1] and lit[0] in "\"'":
        inner = lit[1:-1]
        return inner.replace('\\"', '"') if lit[0] == '"' else inner
    return lit


def field_value(resource, field):
    v = resource
    for part in field.split("."):
        if not isinstance(v, dict) or part not in v:
            return None
        v = v[part]
    return v


def _as_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return v if isinstance(v, str) else (json.dumps(v) if v is not None else None)


def _split_groups(text):
    """'(a) (b) OR (c)' -> (['a', 'b', 'c'], [None, 'OR']): the connector before each group
    after the first, None where the groups are only juxtaposed."""
    groups, connectors, i, pending = [], [], 0, None
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "(":
            depth, j, quote = 0, i, None
            while j < len(text):
                ch = text[j]
                if quote:
                    if ch == "\\":
                        j += 1
                    elif ch == quote:
                        quote = None
                elif ch in "\"'":
                    quote = ch
                elif ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= len(text):
                raise invalid(f"Invalid list filter expression '{text}': unbalanced parentheses.")
            if groups:
                connectors.append(pending)  # None: juxtaposition (AND)
            groups.append(text[i + 1:j])
            pending = None
            i = j + 1
            continue
        m = re.match(r"(AND|OR)\b", text[i:])
        if m and groups and pending is None:
            pending = m.group(1)
            i += len(m.group(1))
            continue
        raise invalid(f"Invalid list filter expression '{text}'.")
    if pending is not None:
        raise invalid(f"Invalid list filter expression '{text}': dangling {pending}.")
    return groups, connectors


def _regex_pred(field, op, lit, text):
    try:
        rx = re.compile(_unquote(lit))
    except re.error:
        raise invalid(f"Invalid regular expression '{_unquote(lit)}' in list filter '{text}'.")

    def pred(res):
        v = _as_text(field_value(res, field))
        hit = v is not None and rx.fullmatch(v) is not None
        return hit if op == "eq" else not hit
    return pred


def _aip_pred(field, op, lit):
    want = _unquote(lit)

    def pred(res):
        v = field_value(res, field)
        if op == ":":
            if want == "*":
                return v is not None
            if isinstance(v, list):
                return any(_as_text(x) == want for x in v)
            return v is not None and want in (_as_text(v) or "")
        text = _as_text(v)
        if op in ("=", "!="):
            hit = text is not None and (text == want or (want.endswith("*") and
                                                         text.startswith(want[:-1])))
            return hit if op == "=" else not hit
        if text is None:
            return False
        try:
            a, b = float(text), float(want)
        except ValueError:
            a, b = text, want
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    return pred


def parse_filter(text):
    """A list of predicates (all must hold) for a list `filter`, or ApiError 400 invalid."""
    text = (text or "").strip()
    if not text:
        return []
    if text.startswith("("):
        groups, connectors = _split_groups(text)
    else:
        groups, connectors = [text], []
    parsed = []
    for g in groups:
        m = _REGEX_EXPR.fullmatch(g)
        if m:
            parsed.append(("regex", m.groups()))
            continue
        m = _AIP_EXPR.fullmatch(g)
        if m:
            parsed.append(("aip", m.groups()))
            continue
        raise invalid(f"Invalid list filter expression '{text}'.")
    kinds = {k for k, _ in parsed}
    if len(kinds) > 1:
        raise invalid(f"Invalid list filter expression '{text}': regular-expression (eq/ne) "
                      "and AIP-160 expressions cannot be mixed in one request.")
    if kinds == {"regex"}:
        fields = {g[0] for _, g in parsed}
        if len(fields) > 1:
            raise invalid(f"Invalid list filter expression '{text}': you cannot combine "
                          "constraints on multiple fields using regular expressions "
                          f"(fields {sorted(fields)}).")
        if any(c is not None for c in connectors):
            raise invalid(f"Invalid list filter expression '{text}': AND / OR apply to "
                          "AIP-160 expressions, not to regular expressions.")
        return [_regex_pred(f, op, lit, text) for _, (f, op, lit) in parsed]
    preds = [_aip_pred(f, op, lit) for _, (f, op, lit) in parsed]
    # AIP-160: OR binds tighter than AND. Group consecutive OR-joined terms.
    clauses, current = [], [preds[0]]
    for conn, p in zip(connectors, preds[1:]):
        if conn == "OR":
            current.append(p)
        else:
            clauses.append(current)
            current = [p]
    clauses.append(current)
    return [(lambda res, c=c: any(p(res) for p in c)) for c in clauses]
