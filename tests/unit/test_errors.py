"""The error tree is shaped by what the caller does next."""

from __future__ import annotations

import pytest

from sense_energy_driver import errors


def test_an_expired_token_is_not_rejected_credentials() -> None:
    # A caller that stops on SenseAuthError (never retry: it would lock the account) must not
    # stop on a routine token expiry, which only needs a renew.
    assert not issubclass(errors.SenseTokenExpiredError, errors.SenseAuthError)
    assert not issubclass(errors.SenseAuthError, errors.SenseTokenExpiredError)
    assert issubclass(errors.SenseMfaRequiredError, errors.SenseAuthError)


def test_an_endpoint_error_names_the_attribute_and_is_a_connection_error() -> None:
    err = errors.SenseEndpointError("connection refused", attribute="api_url")
    assert err.attribute == "api_url"
    assert isinstance(err, errors.SenseConnectionError)
    assert not isinstance(err, errors.SenseConfigError)


@pytest.mark.parametrize("name", errors.__all__)
def test_every_error_is_under_one_root(name: str) -> None:
    assert issubclass(getattr(errors, name), errors.SenseError)
