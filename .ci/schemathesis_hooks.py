"""Checks of the Rapport API contract beyond Schemathesis' own (loaded by .ci/api-contract).

The node distinguishes three kinds of refusal (docs/api.md): requests it cannot read
(`malformed-json`, `invalid-query`: 400; `unsupported-media-type`: 415), JSON of the wrong
shape (`invalid-body`: 422), and values that break a domain rule (`validation`: 422 naming
the fields). The document states the shapes exactly, so a request it allows may only be
refused for a domain rule, and never for a parameter the document describes completely
(an enum, a date, a bounded number).
"""

import schemathesis

PROBLEMS = "https://rapport.dev/problems/"


def _parameter_schemas(operation):
    """Query and path parameter schemas of an operation, by name."""
    out = {}
    for p in operation.definition.raw.get("parameters", []):
        if isinstance(p, dict) and p.get("in") in ("query", "path"):
            out[p.get("name")] = p.get("schema") or {}
    return out


def _fully_described(schema):
    """Whether a parameter's schema decides by itself which values are valid."""
    if not isinstance(schema, dict):
        return False
    return any(k in schema for k in ("enum", "const", "format", "minimum", "maximum"))


@schemathesis.check
def valid_requests_are_refused_only_for_domain_rules(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code not in (400, 413, 415, 422):
        return None
    try:
        problem = response.json()
    except Exception:
        raise AssertionError(f"a {response.status_code} refusal that is not problem+json: {response.text[:300]}")
    kind = problem.get("type", "")
    if kind != PROBLEMS + "validation":
        raise AssertionError(
            f"a request the document allows was refused as `{kind}` ({response.status_code}): {problem.get('detail')}"
        )
    params = _parameter_schemas(case.operation)
    for error in problem.get("errors", []):
        field = error.get("field")
        if field in params and _fully_described(params[field]):
            raise AssertionError(
                f"parameter `{field}` is fully described by the document, yet a value it allows was refused: "
                f"{error.get('reason')}"
            )
    return None
