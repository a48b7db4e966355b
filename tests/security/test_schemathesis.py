"""The REST API fuzzed by schemathesis from its own OpenAPI schema, in-process (the WSGI application,
no network server), with the tokens of real users so that the requests reach the real code: every
operation of ``/api/v1/schema/`` gets generated requests (valid and invalid path, query and body
values); no answer may be a 5xx, and every answer must be documented: its status code, content type
and, for JSON, its body must match the schema.

Writes happen inside a transaction rolled back after each request. ``NTM_FUZZ_EXAMPLES`` (default
15) is the number of generated requests per operation and user, beside the cases schemathesis
derives from the schema itself (≈3,300 requests in all, about a minute of CPU);
``HYPOTHESIS_PROFILE=long`` raises it to 500. The typed bad values of every page's URL parameters are
sent by ``test_fuzz.py``.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
EXAMPLES = int(os.environ.get("NTM_FUZZ_EXAMPLES") or (500 if LONG else 15))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _schema():
    """The schema as /api/v1/schema/ serves it (drf-spectacular, no database needed at collection),
    bound to the WSGI application: requests go through every middleware, in-process."""
    from django.core.wsgi import get_wsgi_application
    from drf_spectacular.generators import SchemaGenerator

    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = get_wsgi_application()
    return loaded


schema = _schema()


@pytest.fixture(autouse=True)
def _in_the_test_transaction():
    # the WSGI handler closes the connection after each request, as a server must; inside a test
    # transaction that would break it (Django's test client does the same)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


CASES: Counter = Counter()  # generated requests sent, by operation (printed at the end with -s)


@pytest.fixture(scope="module", autouse=True)
def _count():
    yield
    if CASES:
        print(f"\nschemathesis: {sum(CASES.values())} requests over {len(CASES)} operation × user pairs")


def _call(case, token: str) -> None:
    CASES[(case.operation.label, token[:8])] += 1
    headers = {"Authorization": f"Token {token}"}
    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS, headers=headers)


FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=not LONG, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_the_api_answers_the_operator_as_documented(case, world):
    """As a Django superuser: every write is allowed, so generated bodies reach the services."""
    _call(case, world["tokens"]["superuser"])


@pytest.mark.django_db
@schema.exclude(path="/api/v1/schema/").parametrize()  # the same for every user
@FUZZ
def test_the_api_answers_a_commune_office_as_documented(case, world):
    """As the data-entry office of one commune: scoping, 403/404 and its own writes."""
    _call(case, world["tokens"]["commune_entry"])
