"""TLS failures, translated (pure): a certificate that does not verify is the operator's to fix (a
CA bundle); any other TLS failure, such as a handshake cut short under load, is the connection's and
is retried. Seen in CI: a loaded machine's dropped handshake was reported as an unverifiable
certificate and failed a run that a retry would have finished."""

from __future__ import annotations

import pytest
import requests
import urllib3

from sponsorsync.connectors import hubspot_errors, salesforce_errors
from sponsorsync.connectors.errors import CrmUnreachable, TransientError

VERIFY = "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate"
EOF_TEXT = "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol"


def _hubspot(text: str) -> urllib3.exceptions.MaxRetryError:
    return urllib3.exceptions.MaxRetryError(None, "/crm/v3/objects/calls", urllib3.exceptions.SSLError(text))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("translate", "make"),
    [(hubspot_errors.translate, _hubspot), (salesforce_errors.translate, requests.exceptions.SSLError)],
    ids=["hubspot", "salesforce"],
)
def test_only_a_failed_verification_is_a_certificate_problem(translate, make) -> None:  # type: ignore[no-untyped-def]
    unverified = translate(make(VERIFY), "reading calls")
    assert isinstance(unverified, CrmUnreachable)
    assert "certificate" in unverified.message
    assert isinstance(translate(make(EOF_TEXT), "reading calls"), TransientError)
