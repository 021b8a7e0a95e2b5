"""Loaded by every Python process started with this folder on PYTHONPATH.

Refuses, and records in $CAREERBOT_NETLOG, any connection or name lookup
that would leave the machine, so a test can prove a real process (the app,
the CLI) makes none.
"""

import ipaddress
import os
import socket

_LOG = os.environ.get("CAREERBOT_NETLOG")
_connect, _connect_ex, _getaddrinfo = (socket.socket.connect, socket.socket.connect_ex,
                                       socket.getaddrinfo)


def _local(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _note(what: str) -> None:
    if _LOG:
        with open(_LOG, "a") as out:
            out.write(what + "\n")


def _check(address) -> None:
    if isinstance(address, tuple) and address and not _local(address[0]):
        _note(f"connect {address!r}")
        raise OSError(f"outbound connection blocked: {address!r}")


def connect(self, address):
    _check(address)
    return _connect(self, address)


def connect_ex(self, address):
    _check(address)
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    if not _local(host):
        _note(f"resolve {host!r}")
        raise socket.gaierror(f"name lookup blocked: {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = (
    connect, connect_ex, getaddrinfo)
