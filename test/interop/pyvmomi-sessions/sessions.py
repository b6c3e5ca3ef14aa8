"""pyVmomi 6.7.1 against the emulator: sessions, authorization and extension certificate login.

Run by test/interop/sessions.test.ts, which starts the emulator over HTTPS with
examples/users.json and the SDK tunnel, writes two client certificates, and passes:
  VTASK_HOST, VTASK_PORT      the emulator's HTTPS address
  VTASK_TUNNEL_PORT           its --tunnel-port
  VTASK_CERT_DIR              extension.crt/.key and stranger.crt/.key (PEM)

Prints "PASS <step>" or "FAIL <step>: <reason>" per step; exits 1 if any step failed.
"""

import json
import os
import ssl
import sys
import traceback
import urllib.request
import warnings

from pyVim.connect import Disconnect, SmartConnectNoSSL, SmartStubAdapter, VimSessionOrientedStub
from pyVmomi import SoapStubAdapter, vim, vmodl

HOST = os.environ['VTASK_HOST']
PORT = int(os.environ['VTASK_PORT'])
TUNNEL_PORT = int(os.environ['VTASK_TUNNEL_PORT'])
CERT_DIR = os.environ['VTASK_CERT_DIR']
UNVERIFIED = ssl._create_unverified_context()
# The newest version pyVmomi 6.7.1 knows; the tunnel has no vimServiceVersions.xml to ask.
VERSION = 'vim.version.version13'


def cert(name):
    return os.path.join(CERT_DIR, name + '.crt'), os.path.join(CERT_DIR, name + '.key')


def api(method, path):
    request = urllib.request.Request('https://%s:%d/_emulator%s' % (HOST, PORT, path), method=method)
    with urllib.request.urlopen(request, context=UNVERIFIED, timeout=30) as response:
        raw = response.read()
        return response.status, (json.loads(raw.decode('utf-8')) if raw else None)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def step_has_privilege_on_entities():
    si = SmartConnectNoSSL(host=HOST, port=PORT, user='creator', pwd='creator')
    try:
        content = si.content
        key = content.sessionManager.currentSession.key
        answer = content.authorizationManager.HasPrivilegeOnEntities(
            entity=[content.rootFolder], sessionId=key, privId=['Task.Create', 'Task.Update'])
        check(len(answer) == 1 and answer[0].entity == content.rootFolder, 'one answer for the root folder: %r' % (answer,))
        granted = [(p.privId, p.isGranted) for p in answer[0].privAvailability]
        check(granted == [('Task.Create', True), ('Task.Update', False)], 'granted %r' % (granted,))
        try:
            content.authorizationManager.HasPrivilegeOnEntities(
                entity=[vim.Folder('group-nope', si._stub)], sessionId=key, privId=['System.View'])
            raise AssertionError('an unknown entity was answered')
        except vmodl.fault.ManagedObjectNotFound:
            pass
    finally:
        Disconnect(si)


def step_relogin_after_terminate():
    # pyVim's session-oriented stub logs in again when a call gets NotAuthenticated.
    base = SmartStubAdapter(host=HOST, port=PORT, sslContext=UNVERIFIED)
    stub = VimSessionOrientedStub(base, VimSessionOrientedStub.makeUserLoginMethod('viewer', 'viewer'))
    si = vim.ServiceInstance('ServiceInstance', stub)
    si.CurrentTime()
    first = si.content.sessionManager.currentSession.key
    status, listed = api('GET', '/sessions')
    check(status == 200 and first in [s['key'] for s in listed['sessions']], 'the control API lists the session')
    status, _ = api('DELETE', '/sessions/' + first)
    check(status == 204, 'DELETE /_emulator/sessions/{key}: %d' % status)
    si.CurrentTime()  # NotAuthenticated, then a new Login, then the call again
    second = si.content.sessionManager.currentSession.key
    check(second and second != first, 'a new session after the relogin (%s, %s)' % (first, second))
    si.content.sessionManager.Logout()


def register_with_certificate(key):
    si = SmartConnectNoSSL(host=HOST, port=PORT, user='admin', pwd='admin')
    try:
        em = si.content.extensionManager
        if em.FindExtension(key):
            em.UnregisterExtension(key)
        em.RegisterExtension(vim.Extension(
            key=key, version='1.0', lastHeartbeatTime=si.CurrentTime(),
            description=vim.Description(label=key, summary='certificate login test')))
        with open(cert('extension')[0]) as pem:
            em.SetExtensionCertificate(extensionKey=key, certificatePem=pem.read())
    finally:
        Disconnect(si)


def tunnel_stubs(name):
    """Both ways pyVmomi reaches the SDK tunnel, presenting certificate `name`."""
    cert_file, key_file = cert(name)
    # The proxy named separately (what vCenter extensions do: the proxy is vCenter's port 80).
    yield SoapStubAdapter(host='sdkTunnel', port=8089, version=VERSION, httpProxyHost=HOST,
                          httpProxyPort=TUNNEL_PORT, certFile=cert_file, certKeyFile=key_file)
    # The proxy as the host, the tunnel target as sslProxyPath.
    yield SoapStubAdapter(host=HOST, port=TUNNEL_PORT, version=VERSION, sslProxyPath='sdkTunnel:8089',
                          certFile=cert_file, certKeyFile=key_file)


def step_extension_certificate_login_tunnel():
    key = 'com.example.pyvmomi-interop'
    register_with_certificate(key)
    for stub in tunnel_stubs('extension'):
        session = vim.SessionManager('SessionManager', stub).LoginExtensionByCertificate(extensionKey=key)
        check(session.userName == key and session.extensionSession, 'session %r' % (session,))
        si = vim.ServiceInstance('ServiceInstance', stub)
        si.CurrentTime()
        check(si.content.sessionManager.currentSession.key == session.key, 'the stub keeps the session')
        si.content.sessionManager.Logout()


def step_extension_certificate_login_wrong_certificate():
    key = 'com.example.pyvmomi-interop-2'
    register_with_certificate(key)
    for stub in tunnel_stubs('stranger'):
        try:
            vim.SessionManager('SessionManager', stub).LoginExtensionByCertificate(extensionKey=key)
            raise AssertionError('a certificate bound to no extension logged in')
        except vim.fault.InvalidLogin:
            pass
        # The same stub is served on.
        vim.ServiceInstance('ServiceInstance', stub).RetrieveContent()


STEPS = [
    ('has_privilege_on_entities', step_has_privilege_on_entities),
    ('relogin_after_terminate', step_relogin_after_terminate),
    ('extension_certificate_login_tunnel', step_extension_certificate_login_tunnel),
    ('extension_certificate_login_wrong_certificate', step_extension_certificate_login_wrong_certificate),
]


def main():
    # pyVmomi 6.7.1 uses ssl.wrap_socket and leaves sockets to the collector: not ours to report.
    warnings.simplefilter('ignore')
    failed = 0
    for name, run in STEPS:
        try:
            run()
            print('PASS %s' % name)
        except Exception as error:  # every failure is reported, then the next step runs
            failed += 1
            print('FAIL %s: %s: %s' % (name, type(error).__name__, str(error).replace('\n', ' | ')))
            traceback.print_exc(file=sys.stdout)
    print('SUMMARY %d passed, %d failed' % (len(STEPS) - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
