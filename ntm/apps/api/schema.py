"""What the OpenAPI schema (/api/v1/schema/) says beyond each view's own description:

- the token scheme (``Authorization: Token <token>``, see ``ntm.apps.accounts.tokens``);
- the answers every operation can give besides its own: 400 (a value refused: an object of field
  errors, or a list of them for a list body), 401 (no or a bad token), 403 (not allowed), 404 (an
  object or a unit/set/page that is not there or not yours), 429 (too many requests), and 415 where
  a body is read (a format it does not read) — so that a
  client, and the schema-driven tests, know every answer they may get. An operation that documents
  one of these itself keeps its own description.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "ntm.apps.accounts.tokens.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")


DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "description": "what is wrong, in Vietnamese",
}
FIELD_ERRORS = {
    "oneOf": [{"type": "object"}, {"type": "array"}],
    "description": "field name → list of messages (a list of such objects for a list of items)",
}
COMMON = {
    "400": ("FieldErrors", "a value is refused; nothing was written"),
    "401": ("ErrorDetail", "no token, an expired, revoked or unreadable token"),
    "403": ("ErrorDetail", "not allowed for this user (role, unit or level)"),
    "404": ("ErrorDetail", "not found, or outside the user's units; also an unknown unit, set or page"),
    "429": ("ErrorDetail", "too many requests or failed log-ins: wait and try again"),
}
WITH_BODY = {"415": ("ErrorDetail", "a request body in a format the operation does not read")}
# errors are rendered like the answer the client asked for (the schema as YAML: its errors too)
TEXT_TYPES = ("json", "yaml", "openapi")


def document_errors(result, generator, request, public):
    """drf-spectacular post-processing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorDetail", DETAIL)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for ops in result.get("paths", {}).values():
        for _method, op in ops.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            types = {"application/json"} | {
                t
                for code, r in op["responses"].items()
                if code.startswith("2")
                for t in (r.get("content") or {})
                if any(x in t for x in TEXT_TYPES)
            }
            extra = WITH_BODY if "requestBody" in op else {}
            for code, (name, text) in {**COMMON, **extra}.items():
                op["responses"].setdefault(
                    code,
                    {
                        "description": text,
                        "content": {t: {"schema": {"$ref": f"#/components/schemas/{name}"}} for t in sorted(types)},
                    },
                )
    return result
