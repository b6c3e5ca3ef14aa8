"""Shared setup for the pyVmomi 6.7.1 interop suites (the test_*.py modules next to this file).

Not a test module itself: its name does not match test_*.py, so neither unittest discovery nor
the vitest wrapper (test/interop/pyvmomi.test.ts) runs it. The suites import it as
`vtask_support`; each inserts its own directory into sys.path first, so the import works however
the suite is started (from the repository root, from this directory, or by unittest discovery).

The server address comes from VTASK_HOST / VTASK_PORT; the server is an emulator over HTTPS
with a self-signed certificate and the users of examples/users.json.
"""

import json
import os
import ssl
import sys
import unittest
import urllib.error
import urllib.request
import warnings

from pyVim.connect import SmartConnectNoSSL, Disconnect

HOST = os.environ.get('VTASK_HOST', '')
PORT = os.environ.get('VTASK_PORT', '')
API = 'https://%s:%s/_emulator' % (HOST, PORT)

TASK_TYPE = 'com.vmware.govmomi.simulator.test'
ROOT_FOLDER_ID = 'group-d1'

# Users from examples/users.json.
ADMIN = ('admin', 'admin')
VIEWER = ('viewer', 'viewer')
CREATOR = ('creator', 'creator')  # role TaskCreator: Task.Create only

# The server's certificate is self-signed.
SSL_CONTEXT = ssl._create_unverified_context()


def connect(user, pwd):
    return SmartConnectNoSSL(host=HOST, port=int(PORT), user=user, pwd=pwd)


def quiet_disconnect(si):
    try:
        Disconnect(si)
    except Exception:
        pass


def api(method, path, body=None):
    """One /_emulator/ control API call; returns (status, parsed JSON body or None)."""
    data = None
    headers = {'Accept': 'application/json'}
    if body is not None:
        data = json.dumps(body).encode('utf-8')
        headers['Content-Type'] = 'application/json'
    request = urllib.request.Request(API + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, context=SSL_CONTEXT, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, (json.loads(raw.decode('utf-8')) if raw else None)


def create_task(si, initiated_by, cancelable=True, **kwargs):
    """TaskManager.CreateTask on the root folder through connection `si`; returns the TaskInfo."""
    content = si.content
    return content.taskManager.CreateTask(
        obj=content.rootFolder, taskTypeId=TASK_TYPE, initiatedBy=initiated_by,
        cancelable=cancelable, **kwargs)


class SessionTestCase(unittest.TestCase):
    """A shared admin connection per class (self.si, self.content) plus extra sessions."""

    @classmethod
    def setUpClass(cls):
        # pyVim's version discovery leaves an HTTPS socket open on every connect;
        # that is pyVmomi's business, not the server's: keep the output readable.
        # (Set here, inside the runner's warnings context, so it is not reset.)
        warnings.filterwarnings('ignore', category=ResourceWarning)
        cls.si = connect(*ADMIN)
        cls.content = cls.si.content

    @classmethod
    def tearDownClass(cls):
        quiet_disconnect(cls.si)

    def connect_as(self, user, pwd):
        """Another session, disconnected at cleanup."""
        si = connect(user, pwd)
        self.addCleanup(quiet_disconnect, si)
        return si


def main():
    """Runs the calling module's tests; exits 2 without a server address."""
    if not HOST or not PORT:
        sys.stderr.write('set VTASK_HOST and VTASK_PORT to the emulator address\n')
        sys.exit(2)
    unittest.main(verbosity=2)
