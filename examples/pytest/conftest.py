"""pytest fixtures for testing pyVmomi code against vtask-emulator.

Copy this file next to your tests. The `vtask_emulator` fixture starts one emulator for the
session on a free port (the CLI prints its SDK URL as the first stdout line with --port 0) and
stops it at the end; `si` is a logged-in ServiceInstance for each test, over HTTPS that trusts
the emulator's self-signed certificate instead of turning verification off.

VTASK_EMULATOR_CMD is the command that starts the emulator (default: npx --no-install
vtask-emulator, the package installed in your project's node_modules).
"""

import os
import shlex
import ssl
import subprocess
from urllib.parse import urlsplit

import pytest
from pyVim.connect import Disconnect, SmartConnect


@pytest.fixture(scope="session")
def vtask_emulator():
    """Yields (host, port, certificate PEM) of a running emulator; every setting is a CLI flag."""
    command = shlex.split(os.environ.get("VTASK_EMULATOR_CMD", "npx --no-install vtask-emulator"))
    process = subprocess.Popen(command + ["--port", "0", "--log-level", "warn"], stdout=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        if not url.startswith("https://"):
            raise RuntimeError("vtask-emulator did not print its URL (exit code %s)" % process.poll())
        address = urlsplit(url)
        # The certificate is self-signed and made at start: fetch it and trust exactly it.
        pem = ssl.get_server_certificate((address.hostname, address.port))
        yield address.hostname, address.port, pem
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def si(vtask_emulator):
    """A ServiceInstance logged in as admin (any user and password work without --users)."""
    host, port, pem = vtask_emulator
    context = ssl.create_default_context(cadata=pem)
    service_instance = SmartConnect(host=host, port=port, user="admin", pwd="admin", sslContext=context)
    try:
        yield service_instance
    finally:
        Disconnect(service_instance)
