"""Checks AWS Query / EC2 requests against botocore's published service models.

The EC2 emulator's proxy (server.py) runs every request through `QueryValidator.check`
before moto sees it, so a request real EC2 would refuse is refused here too, with the
error EC2 returns:

* InvalidAction          the Action is not an operation of the model
* MissingAction          no Action
* NoSuchVersion          a Version botocore ships no model for (stricter than EC2, which
                         also knows versions older than botocore's oldest)
* MissingParameter       Version absent, or a member the model marks `required` absent
                         (at the top level and inside every structure that is present)
* UnknownParameter       a key that does not serialize any member of the input shape
                         (wrong spelling, wrong nesting, `.N` index on a scalar, no index on
                         a list, index 0)
* InvalidParameterValue  a value of the wrong type (integer, long, boolean, float, double,
                         timestamp), outside the model's min/max, not one of the enum's
                         values, or a key given twice

Serialization rules (botocore/serialize.py, EC2Serializer and QuerySerializer):
  ec2:    member key = queryName, else locationName with its first letter upper-cased,
          else the member name; lists are always flattened: Prefix.N (N from 1).
  query:  member key = locationName, else the member name; lists are Prefix.member.N
          unless the list is `flattened` (Prefix.N).

Source of truth: the service-2.json files that ship with botocore (the installed version is
recorded by `model_source()`); nothing here is copied from them.
"""

from __future__ import annotations

import datetime
import re

import botocore
import botocore.session

INT_RE = re.compile(r"^-?\d+$")
INT32 = (-2 ** 31, 2 ** 31 - 1)
INT64 = (-2 ** 63, 2 ** 63 - 1)


class Violation(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def model_source() -> str:
    return f"botocore {botocore.__version__} data/<service>/<version>/service-2.json"


class QueryValidator:
    """One service model (e.g. "ec2", "sts")."""

    def __init__(self, service: str, session: botocore.session.Session | None = None):
        session = session or botocore.session.get_session()
        self.model = session.get_service_model(service)
        self.protocol = self.model.metadata["protocol"]  # "ec2" or "query"
        self.api_version = self.model.metadata["apiVersion"]
        self.operations = set(self.model.operation_names)
        self.versions = set(session.get_component("data_loader").list_api_versions(service, "service-2"))

    # -------------------------------------------------------------- naming
    def _member_key(self, name: str, shape) -> str:
        ser = shape.serialization
        if self.protocol == "ec2":
            if ser.get("queryName"):
                return ser["queryName"]
            if ser.get("name"):
                n = ser["name"]
                return n[0].upper() + n[1:]
            return name
        return ser.get("name") or name

    def _members_by_key(self, shape) -> dict:
        cache = getattr(self, "_key_cache", None)
        if cache is None:
            cache = self._key_cache = {}
        got = cache.get(shape.name)
        if got is None:
            got = {self._member_key(n, s): (n, s) for n, s in shape.members.items()}
            cache[shape.name] = got
        return got

    # -------------------------------------------------------------- checks
    def check(self, params: dict[str, list[str]]):
        """Raises Violation when the request is not valid; returns the operation model."""
        action = params.get("Action")
        if not action or not action[0]:
            raise Violation(400, "MissingAction", "The request must contain the parameter Action")
        action = action[0]
        if action not in self.operations:
            raise Violation(400, "InvalidAction",
                            f"The action {action} is not valid for this web service.")
        version = params.get("Version")
        if not version or not version[0]:
            raise Violation(400, "MissingParameter", "The request must contain the parameter Version")
        if version[0] not in self.versions:
            raise Violation(400, "NoSuchVersion",
                            f"The requested version ({version[0]}) of service {self.model.service_name} "
                            f"does not exist")
        op = self.model.operation_model(action)
        shape = op.input_shape
        structures: list[tuple[str, object]] = [("", shape)] if shape is not None else []
        present: set[str] = set()
        for key, values in params.items():
            if key in ("Action", "Version"):
                continue
            if len(values) != 1:
                raise Violation(400, "InvalidParameterValue",
                                f"The parameter {key} is given {len(values)} times")
            if shape is None:
                raise Violation(400, "UnknownParameter", f"The parameter {key} is not recognized")
            self._walk(shape, key.split("."), 0, key, values[0], structures)
            parts = key.split(".")
            for i in range(1, len(parts) + 1):
                present.add(".".join(parts[:i]))
        for prefix, st in structures:
            for req in getattr(st, "required_members", []) or []:
                mkey = self._member_key(req, st.members[req])
                full = f"{prefix}.{mkey}" if prefix else mkey
                if full not in present:
                    raise Violation(400, "MissingParameter",
                                    f"The request must contain the parameter {full}")
        return op

    def _walk(self, shape, parts, i, key, value, structures):
        t = shape.type_name
        prefix = ".".join(parts[:i])
        if t == "structure":
            if i >= len(parts):
                raise Violation(400, "UnknownParameter", f"The parameter {key} is not recognized")
            found = self._members_by_key(shape).get(parts[i])
            if found is None:
                raise Violation(400, "UnknownParameter", f"The parameter {key} is not recognized")
            _, member = found
            if member.type_name == "structure":
                sub = ".".join(parts[: i + 1])
                if all(p != sub for p, _ in structures):
                    structures.append((sub, member))
            return self._walk(member, parts, i + 1, key, value, structures)
        if t == "list":
            j = i
            if self.protocol == "query" and not shape.serialization.get("flattened"):
                if j >= len(parts) or parts[j] != "member":
                    raise Violation(400, "UnknownParameter", f"The parameter {key} is not recognized")
                j += 1
            if j >= len(parts) or not parts[j].isdigit() or int(parts[j]) < 1:
                raise Violation(400, "UnknownParameter", f"The parameter {key} is not recognized")
            member = shape.member
            if member.type_name == "structure":
                sub = ".".join(parts[: j + 1])
                if all(p != sub for p, _ in structures):
                    structures.append((sub, member))
            return self._walk(member, parts, j + 1, key, value, structures)
        if t == "map":
            # Not used by the EC2 operations we serve; refuse rather than guess.
            raise Violation(400, "UnknownParameter", f"The parameter {key} is not recognized")
        if i != len(parts):
            raise Violation(400, "UnknownParameter", f"The parameter {key} is not recognized")
        self._scalar(shape, prefix, value)
        return None

    @staticmethod
    def _bad(name, value, why=""):
        return Violation(400, "InvalidParameterValue",
                         f"Value ({value}) for parameter {name} is invalid.{(' ' + why) if why else ''}")

    def _scalar(self, shape, name, value):
        t = shape.type_name
        meta = shape.metadata
        if t in ("integer", "long"):
            if not INT_RE.match(value):
                raise self._bad(name, value, "Expected an integer.")
            n = int(value)
            lo, hi = INT32 if t == "integer" else INT64
            lo = max(lo, meta.get("min", lo))
            hi = min(hi, meta.get("max", hi))
            if not lo <= n <= hi:
                raise self._bad(name, value, f"Must be between {lo} and {hi}.")
        elif t == "boolean":
            if value.lower() not in ("true", "false"):
                raise self._bad(name, value, "Expected true or false.")
        elif t in ("float", "double"):
            try:
                float(value)
            except ValueError:
                raise self._bad(name, value, "Expected a number.") from None
        elif t == "timestamp":
            try:
                datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise self._bad(name, value, "Expected an ISO 8601 timestamp.") from None
        elif t == "string":
            enum = shape.enum
            if enum and value not in enum:
                raise self._bad(name, value, "Valid values: " + ", ".join(enum))
            if "min" in meta and len(value) < meta["min"]:
                raise self._bad(name, value, f"Must be at least {meta['min']} characters.")
            if "max" in meta and len(value) > meta["max"]:
                raise self._bad(name, value, f"Must be at most {meta['max']} characters.")
        # blob: any text
