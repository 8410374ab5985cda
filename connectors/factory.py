"""One factory: the settings in, a ready :class:`connectors.base.Connector` out."""

from __future__ import annotations

import logging
import ssl
import warnings
from datetime import timedelta
from typing import TYPE_CHECKING

from sponsorsync.connectors.base import Connector, CrmName
from sponsorsync.connectors.errors import ConfigError
from sponsorsync.connectors.retry import RetryPolicy
from sponsorsync.connectors.throttle import CallBudget
from sponsorsync.connectors.tls import trust_context

if TYPE_CHECKING:
    from sponsorsync.sync.settings import Settings

log = logging.getLogger(__name__)


def connect(
    settings: Settings, *, max_api_calls: int | None = None, retry: RetryPolicy | None = None
) -> Connector:
    """Log in to the CRM the settings choose. Nothing is sent for an access-token Salesforce
    login or for HubSpot until the first call."""
    crm: CrmName = settings.require_crm()
    limits = settings.limits
    verify: ssl.SSLContext | None
    if settings.insecure_skip_tls_verify:
        log.warning(
            "TLS CERTIFICATE VERIFICATION IS OFF (SPONSORSYNC_INSECURE_SKIP_TLS_VERIFY): the CRM's identity "
            "is not checked and credentials can be intercepted. Never use this in production."
        )
        warnings.filterwarnings("ignore", message="Unverified HTTPS request")
        verify = None
    else:
        verify = trust_context(settings.ca_bundle)
    budget = CallBudget(max_api_calls or settings.sync.max_api_calls)
    policy = retry or RetryPolicy(
        max_attempts=limits.max_attempts, max_backoff_seconds=limits.max_backoff_seconds
    )
    lookback = timedelta(seconds=settings.sync.lookback_seconds)
    if crm == "salesforce":
        from sponsorsync.connectors.salesforce import SalesforceConnector
        from sponsorsync.connectors.salesforce_auth import login_for

        return SalesforceConnector(
            login_for(settings.salesforce),
            api_version=settings.salesforce.api_version,
            verify=verify,
            timeout=limits.timeout_seconds,
            concurrency=limits.concurrency,
            quota_reserve=limits.salesforce_quota_reserve,
            lookback=lookback,
            budget=budget,
            retry=policy,
            bulk_threshold=settings.salesforce.bulk_threshold,
        )
    from sponsorsync.connectors.hubspot import HubSpotConnector

    token = settings.hubspot.access_token
    if token is None or not token.get_secret_value():
        raise ConfigError(
            "No HubSpot access token is set",
            hint="set SPONSORSYNC_HUBSPOT__ACCESS_TOKEN to a private app token (pat-...)",
        )
    return HubSpotConnector(
        access_token=token.get_secret_value(),
        base_url=settings.hubspot.base_url,
        verify=verify,
        timeout=limits.timeout_seconds,
        concurrency=limits.concurrency,
        requests_per_10s=limits.hubspot_requests_per_10s,
        search_per_second=limits.hubspot_search_per_second,
        quota_reserve=limits.hubspot_quota_reserve,
        lookback=lookback,
        budget=budget,
        retry=policy,
    )
