"""Request validation for the Azure fake against the published Microsoft.Network 2024-05-01
specification (an excerpt kept as test data: tests/testdata/azure/spec/, with its source
repository, files and commits recorded inside).

Checks what the service refuses: the path template and method, the api-version, and the
request body against its definition: unknown properties, read-only properties, required
properties, types, int32 ranges and enums. Every violation raises SpecViolation with the
error code and message shape ARM uses ({"error": {"code", "message"}}); the caller answers
400 (404 / 405 for paths and methods).
"""

import json
import os
import re

SPEC_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata",
                         "azure", "spec", "network-2024-05-01-nsg.json")
API_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
INT32 = (-2 ** 31, 2 ** 31 - 1)


class SpecViolation(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Spec:
    def __init__(self, path=SPEC_PATH):
        with open(path) as f:
            self.doc = json.load(f)
        self.version = self.doc["info"]["version"]
        self.defs = self.doc["definitions"]
        self.templates = []  # (segments, methods)
        for tmpl, ops in self.doc["paths"].items():
            segs = [s for s in tmpl.split("/") if s]
            self.templates.append((segs, ops))

    # ------------------------------------------------------------------ paths
    def match(self, path):
        """(template segments, operations, path params) of the template `path` fits, or None.
        Literal segments match case-insensitively, as ARM does."""
        segs = [s for s in path.split("/") if s]
        for tsegs, ops in self.templates:
            if len(tsegs) != len(segs):
                continue
            params = {}
            for t, s in zip(tsegs, segs):
                if t.startswith("{") and t.endswith("}"):
                    params[t[1:-1]] = s
                elif t.lower() != s.lower():
                    break
            else:
                return tsegs, ops, params
        return None

    def check_request(self, method, path, query, body_bytes):
        """Validates one Microsoft.Network request. Returns the parsed body (or None)."""
        m = self.match(path)
        if m is None:
            raise SpecViolation(404, "InvalidResourceType",
                                "The resource type could not be found in the namespace "
                                "'Microsoft.Network' for api version '%s'." % self.version)
        _, ops, _ = m
        op = ops.get(method.lower())
        if op is None:
            raise SpecViolation(405, "MethodNotAllowed",
                                "The requested resource does not support http method '%s'."
                                % method)
        self.check_api_version(query)
        allowed_query = {"api-version", "$skiptoken"} | set(op.get("query", []))
        for k in query:
            if k not in allowed_query:
                raise SpecViolation(400, "InvalidQueryParameter",
                                    "The query parameter '%s' is not supported by %s."
                                    % (k, op["operationId"]))
        body = op.get("body")
        if body is None:
            return None
        if not body_bytes:
            if body.get("required"):
                raise SpecViolation(400, "InvalidRequestFormat",
                                    "Cannot parse the request. The request body ('%s') is "
                                    "required." % body["name"])
            return None
        try:
            value = json.loads(body_bytes)
        except ValueError as e:
            raise SpecViolation(400, "InvalidRequestFormat",
                                "Cannot parse the request. Unexpected character in the JSON "
                                "body: %s" % e)
        self.check_value(value, {"$ref": body["schema"]}, "")
        return value

    def check_api_version(self, query):
        versions = query.get("api-version")
        if not versions or not versions[0]:
            raise SpecViolation(400, "MissingApiVersionParameter",
                                "The api-version query parameter (?api-version=) is required "
                                "for all requests.")
        v = versions[0]
        if not API_VERSION_RE.match(v):
            raise SpecViolation(400, "InvalidApiVersionParameter",
                                "The api-version '%s' is invalid. The supported versions are "
                                "'%s'." % (v, self.version))
        if v != self.version:
            raise SpecViolation(400, "NoRegisteredProviderFound",
                                "No registered resource provider found for location 'global' "
                                "and API version '%s' for type 'networkSecurityGroups'. The "
                                "supported api-versions are '%s'." % (v, self.version))

    # ------------------------------------------------------------------ bodies
    def resolve(self, schema):
        """Follows $ref and merges allOf: (properties, required, schema, type name)."""
        name = None
        seen = 0
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            extra = {k: v for k, v in schema.items() if k != "$ref"}
            schema = dict(self.defs[name], **{k: v for k, v in extra.items() if k == "readOnly"})
            seen += 1
            if seen > 20:
                raise RuntimeError("$ref loop in the spec")
        props = dict(schema.get("properties", {}))
        required = list(schema.get("required", []))
        for part in schema.get("allOf", []):
            p2, r2, _, _ = self.resolve(part)
            for k, v in p2.items():
                props.setdefault(k, v)
            required += r2
        return props, required, schema, name

    def check_value(self, value, schema, where):
        props, required, s, name = self.resolve(schema)
        here = where or "(body)"
        typ = s.get("type") or ("object" if props else None)
        if typ == "object" or props:
            if not isinstance(value, dict):
                raise SpecViolation(400, "InvalidRequestFormat",
                                    "Cannot parse the request. Expected an object at '%s'."
                                    % here)
            addl = s.get("additionalProperties")
            if addl is not None and not props:
                for k, v in value.items():
                    self.check_value(v, addl, _join(where, k))
                return
            for k, v in value.items():
                if k not in props:
                    raise SpecViolation(
                        400, "InvalidRequestFormat",
                        "Cannot parse the request. Could not find member '%s' on object of "
                        "type '%s'. Path '%s'." % (k, name or "object", _join(where, k)))
                sub = props[k]
                if sub.get("readOnly") or self._is_read_only(sub):
                    raise SpecViolation(
                        400, "InvalidRequestFormat",
                        "Cannot parse the request. Property '%s' is read-only and cannot be "
                        "set. Path '%s'." % (k, _join(where, k)))
                if v is None:
                    continue  # JSON null = not given
                self.check_value(v, sub, _join(where, k))
            for k in required:
                if value.get(k) is None:
                    raise SpecViolation(
                        400, "InvalidRequestFormat",
                        "Cannot parse the request. Required property '%s' not found in JSON. "
                        "Path '%s'." % (k, _join(where, k)))
            return
        if typ == "array":
            if not isinstance(value, list):
                raise SpecViolation(400, "InvalidRequestFormat",
                                    "Cannot parse the request. Expected an array at '%s'."
                                    % here)
            for i, item in enumerate(value):
                self.check_value(item, s.get("items", {}), "%s[%d]" % (where, i))
            return
        if typ == "string":
            if not isinstance(value, str):
                raise SpecViolation(400, "InvalidRequestFormat",
                                    "Cannot parse the request. Expected a string at '%s', got "
                                    "%s." % (here, json.dumps(value)))
            enum = s.get("enum")
            if enum and value.lower() not in {e.lower() for e in enum}:
                raise SpecViolation(400, "InvalidRequestFormat",
                                    "Cannot parse the request. Error converting value \"%s\" to "
                                    "type '%s'. Allowed values: %s. Path '%s'."
                                    % (value, (s.get("x-ms-enum") or {}).get("name", name),
                                       ", ".join(enum), here))
            return
        if typ == "integer":
            if not isinstance(value, int) or isinstance(value, bool):
                raise SpecViolation(400, "InvalidRequestFormat",
                                    "Cannot parse the request. Expected an integer at '%s', got "
                                    "%s." % (here, json.dumps(value)))
            if s.get("format") == "int32" and not INT32[0] <= value <= INT32[1]:
                raise SpecViolation(400, "InvalidRequestFormat",
                                    "Cannot parse the request. Value %d at '%s' is outside the "
                                    "int32 range." % (value, here))
            return
        if typ == "boolean":
            if not isinstance(value, bool):
                raise SpecViolation(400, "InvalidRequestFormat",
                                    "Cannot parse the request. Expected true or false at '%s'."
                                    % here)
            return

    def _is_read_only(self, sub):
        if "$ref" not in sub:
            return False
        name = sub["$ref"].rsplit("/", 1)[-1]
        return bool(self.defs.get(name, {}).get("readOnly"))

    def canonical_enum(self, definition, prop, value):
        """The spelling the spec gives an enum value (the service answers in it)."""
        props, _, _, _ = self.resolve({"$ref": "#/definitions/" + definition})
        _, _, s, _ = self.resolve(props[prop])
        for e in s.get("enum", []):
            if e.lower() == str(value).lower():
                return e
        return value


def _join(where, key):
    return key if not where else where + "." + key
