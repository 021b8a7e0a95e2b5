"""The suite's own promise: tests cannot reach beyond loopback."""

import socket

import pytest

from tests.conftest import NetworkBlocked, is_local


def test_loopback_and_unix_sockets_are_allowed():
    assert is_local(("127.0.0.1", 80))
    assert is_local(("::1", 80, 0, 0))
    assert is_local(("localhost", 80))
    assert is_local("/tmp/some.sock")


def test_other_addresses_are_not_local():
    assert not is_local(("10.1.2.3", 80))
    assert not is_local(("93.184.216.34", 443))
    assert not is_local(("pypi.org", 443))


def test_name_resolution_of_outside_hosts_is_refused_before_any_lookup():
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("huggingface.co", 443)
