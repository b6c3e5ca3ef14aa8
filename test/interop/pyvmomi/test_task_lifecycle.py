#!/usr/bin/python3
"""Interop suite: drives vtask-emulator with the real pyVmomi 6.7.1 client.

Run against a running emulator (HTTPS, examples/users.json):

    VTASK_HOST=127.0.0.1 VTASK_PORT=18443 /usr/bin/python3 test_task_lifecycle.py -v

Each test creates its own task, so tests do not depend on each other's order.
Exit status is non-zero if any test fails (unittest's default).
"""

import os
import sys
import threading
import time

from pyVim.connect import Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl
from pyVmomi.SoapAdapter import SessionOrientedStub

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vtask_support as support  # noqa: E402  (after the path entry it needs)
from vtask_support import ADMIN, ROOT_FOLDER_ID, TASK_TYPE, VIEWER, connect  # noqa: E402

# WaitForTask should return within ~50 ms of the finishing call's return; the
# assertion is deliberately looser so a loaded CI machine does not flake.
WAIT_LATENCY_TARGET_S = 0.050
WAIT_LATENCY_BOUND_S = 0.250


def log(msg):
    sys.stderr.write(msg + '\n')
    sys.stderr.flush()


class EmulatorTestCase(support.SessionTestCase):
    """Shared admin connection plus helpers."""

    def create_task_info(self, cancelable=True, initiated_by='tester', si=None):
        return support.create_task(si or self.si, initiated_by, cancelable=cancelable)

    def new_task(self, cancelable=True):
        return self.create_task_info(cancelable=cancelable).task

    def new_running_task(self, cancelable=True):
        task = self.new_task(cancelable=cancelable)
        task.SetTaskState(state='running')
        return task

    def assertFinishedTaskRefusesChanges(self, task, late_fault_msg):
        """Every SetTaskState and UpdateProgress on a finished task raises InvalidState."""
        for state in ('queued', 'running', 'success', 'error'):
            with self.subTest(state=state):
                kwargs = {}
                if state == 'error':
                    kwargs['fault'] = vim.fault.NotFound(msg=late_fault_msg)
                with self.assertRaises(vim.fault.InvalidState):
                    task.SetTaskState(state=state, **kwargs)
        with self.assertRaises(vim.fault.InvalidState):
            task.UpdateProgress(percentDone=50)

    def assertUnchangedTerminal(self, task, state, result=None):
        info = task.info
        self.assertEqual(info.state, state)
        if result is not None:
            self.assertEqual(info.result, result)


class CreateTaskTests(EmulatorTestCase):

    def test_create_task_returns_queued_taskinfo(self):
        info = self.create_task_info(cancelable=True, initiated_by='tester')
        self.assertIsInstance(info, vim.TaskInfo)
        self.assertEqual(info.state, 'queued')
        self.assertIsInstance(info.task, vim.Task)
        self.assertEqual(info.key, info.task._moId)
        self.assertTrue(info.key.startswith('task-'), info.key)
        self.assertEqual(info.descriptionId, TASK_TYPE)
        self.assertTrue(info.cancelable)
        self.assertFalse(info.cancelled)
        self.assertIsInstance(info.entity, vim.Folder)
        self.assertEqual(info.entity._moId, ROOT_FOLDER_ID)
        self.assertIsInstance(info.reason, vim.TaskReasonUser)
        self.assertEqual(info.reason.userName, 'tester')
        self.assertIsNotNone(info.queueTime)
        self.assertIsNone(info.startTime)
        self.assertIsNone(info.completeTime)

    def test_created_task_info_readable_via_property(self):
        task = self.new_task()
        info = task.info
        self.assertEqual(info.state, 'queued')
        self.assertEqual(info.reason.userName, 'tester')
        self.assertEqual(info.key, task._moId)

    def test_task_keys_increase(self):
        first = self.new_task()
        second = self.new_task()
        n1 = int(first._moId.split('-')[1])
        n2 = int(second._moId.split('-')[1])
        self.assertGreater(n2, n1)


class ProgressAndDescriptionTests(EmulatorTestCase):

    def test_set_running_sets_start_time(self):
        task = self.new_task()
        task.SetTaskState(state='running')
        info = task.info
        self.assertEqual(info.state, 'running')
        self.assertIsNotNone(info.startTime)
        self.assertLessEqual(info.queueTime, info.startTime)
        self.assertIsNone(info.completeTime)

    def progress_after(self, *updates):
        """info.progress of a new running task after UpdateProgress(u) for each of `updates`."""
        task = self.new_running_task()
        for percent in updates:
            task.UpdateProgress(percentDone=percent)
        return task.info.progress

    def test_update_progress_stored(self):
        self.assertEqual(self.progress_after(42), 42)

    def test_update_progress_negative_clamped_to_0(self):
        self.assertEqual(self.progress_after(42, -5), 0)

    def test_update_progress_above_100_clamped_to_100(self):
        self.assertEqual(self.progress_after(150), 100)

    def test_set_task_description_read_back(self):
        task = self.new_running_task()
        msg = vmodl.LocalizableMessage(key='vtask.test.step', message='Copying disk 1 of 3')
        task.SetTaskDescription(description=msg)
        desc = task.info.description
        self.assertIsInstance(desc, vmodl.LocalizableMessage)
        self.assertEqual(desc.key, 'vtask.test.step')
        self.assertEqual(desc.message, 'Copying disk 1 of 3')


class ResultTests(EmulatorTestCase):

    def finish_with(self, result):
        task = self.new_running_task()
        task.SetTaskState(state='success', result=result)
        info = task.info
        self.assertEqual(info.state, 'success')
        self.assertIsNotNone(info.completeTime)
        self.assertLessEqual(info.startTime, info.completeTime)
        return info.result

    def test_success_result_str(self):
        result = self.finish_with('hello world')
        self.assertIsInstance(result, str)
        self.assertEqual(result, 'hello world')

    def test_success_result_int(self):
        result = self.finish_with(42)
        self.assertIsInstance(result, int)
        self.assertNotIsInstance(result, bool)
        self.assertEqual(result, 42)

    def test_success_result_managed_object(self):
        result = self.finish_with(self.content.rootFolder)
        self.assertIsInstance(result, vim.Folder)
        self.assertEqual(result._moId, ROOT_FOLDER_ID)


class ErrorStateTests(EmulatorTestCase):

    def test_error_with_vim_fault_stored(self):
        task = self.new_running_task()
        task.SetTaskState(state='error', fault=vim.fault.NotFound(msg='no such widget'))
        info = task.info
        self.assertEqual(info.state, 'error')
        self.assertIsNotNone(info.completeTime)
        self.assertIsInstance(info.error, vim.fault.NotFound)
        self.assertEqual(info.error.msg, 'no such widget')

    def test_error_with_runtime_fault_not_vimfault_raises_invalid_state(self):
        task = self.new_running_task()
        fault = vmodl.fault.SystemError(msg='disk on fire', reason='hardware')
        with self.assertRaises(vim.fault.InvalidState):
            task.SetTaskState(state='error', fault=fault)
        info = task.info
        self.assertEqual(info.state, 'running')
        self.assertIsNone(info.error)


class InvalidTransitionTests(EmulatorTestCase):

    def test_running_to_queued_raises_invalid_state(self):
        task = self.new_running_task()
        with self.assertRaises(vim.fault.InvalidState):
            task.SetTaskState(state='queued')
        self.assertEqual(task.info.state, 'running')

    def test_no_change_after_success(self):
        task = self.new_running_task()
        task.UpdateProgress(percentDone=10)
        task.SetTaskState(state='success', result='done')
        self.assertFinishedTaskRefusesChanges(task, 'late')
        info = task.info
        self.assertEqual(info.state, 'success')
        self.assertEqual(info.result, 'done')
        self.assertEqual(info.progress, 10)
        self.assertIsNone(info.error)

    def test_no_change_after_error(self):
        task = self.new_running_task()
        task.SetTaskState(state='error', fault=vim.fault.NotFound(msg='first'))
        self.assertFinishedTaskRefusesChanges(task, 'second')
        info = task.info
        self.assertEqual(info.state, 'error')
        self.assertIsInstance(info.error, vim.fault.NotFound)
        self.assertEqual(info.error.msg, 'first')
        self.assertIsNone(info.result)

    def test_result_with_error_state_raises_invalid_state(self):
        task = self.new_running_task()
        with self.assertRaises(vim.fault.InvalidState):
            task.SetTaskState(state='error', result='not allowed')
        info = task.info
        self.assertEqual(info.state, 'running')
        self.assertIsNone(info.result)

    def test_update_progress_on_queued_raises_invalid_state(self):
        task = self.new_task()
        with self.assertRaises(vim.fault.InvalidState):
            task.UpdateProgress(percentDone=10)
        info = task.info
        self.assertEqual(info.state, 'queued')
        self.assertIsNone(info.progress)


class WaitForTaskTests(EmulatorTestCase):

    def finish_later(self, task_id, finish, delay=0.2):
        """Finish the task from another thread on a second connection.

        Returns (timer, record); record gets 'start'/'end' monotonic times of
        the finishing call and 'error' if it raised.
        """
        other = self.connect_as(*ADMIN)
        other_task = vim.Task(task_id, other._stub)
        record = {}

        def run():
            try:
                record['start'] = time.monotonic()
                finish(other_task)
                record['end'] = time.monotonic()
            except BaseException as e:  # reported by the main thread
                record['error'] = e

        timer = threading.Timer(delay, run)
        timer.daemon = True
        return timer, record

    def test_wait_for_task_returns_success_soon_after_finish(self):
        task = self.new_running_task()
        timer, record = self.finish_later(
            task._moId, lambda t: t.SetTaskState(state='success', result='finished'))
        timer.start()
        try:
            state = WaitForTask(task, si=self.si)
            returned = time.monotonic()
        finally:
            timer.join(10)
        self.assertNotIn('error', record, 'finishing thread failed: %r' % record.get('error'))
        self.assertEqual(state, 'success')
        self.assertIn('start', record, 'WaitForTask returned before the task was finished')
        self.assertGreaterEqual(returned, record['start'],
                                'WaitForTask returned before the finishing call was sent')
        latency = returned - record['end']
        log('WaitForTask latency after the finishing SetTaskState returned: %.1f ms '
            '(target %.0f ms, asserted bound %.0f ms)'
            % (latency * 1000, WAIT_LATENCY_TARGET_S * 1000, WAIT_LATENCY_BOUND_S * 1000))
        self.assertLess(latency, WAIT_LATENCY_BOUND_S)
        self.assertEqual(task.info.result, 'finished')

    def test_wait_for_task_raises_task_fault_on_error(self):
        task = self.new_running_task()
        timer, record = self.finish_later(
            task._moId,
            lambda t: t.SetTaskState(state='error', fault=vim.fault.NotFound(msg='gone away')))
        timer.start()
        try:
            with self.assertRaises(vim.fault.NotFound) as ctx:
                WaitForTask(task, si=self.si)
        finally:
            timer.join(10)
        self.assertNotIn('error', record, 'finishing thread failed: %r' % record.get('error'))
        self.assertEqual(ctx.exception.msg, 'gone away')


class CancelTaskTests(EmulatorTestCase):

    def cancel_and_check(self, task):
        """CancelTask, then the task must have failed with RequestCanceled; returns its info."""
        task.CancelTask()
        info = task.info
        self.assertEqual(info.state, 'error')
        self.assertTrue(info.cancelled)
        self.assertIsInstance(info.error, vmodl.fault.RequestCanceled)
        return info

    def test_cancel_queued_task(self):
        info = self.cancel_and_check(self.new_task(cancelable=True))
        self.assertIsNotNone(info.completeTime)

    def test_cancel_running_task_immediate_mode(self):
        # Default --cancel-mode immediate: a running task is cancelled at once.
        self.cancel_and_check(self.new_running_task(cancelable=True))

    def test_cancel_twice_raises_invalid_state(self):
        task = self.new_task(cancelable=True)
        task.CancelTask()
        with self.assertRaises(vim.fault.InvalidState):
            task.CancelTask()

    def test_cancel_finished_task_raises_invalid_state(self):
        task = self.new_running_task(cancelable=True)
        task.SetTaskState(state='success')
        with self.assertRaises(vim.fault.InvalidState):
            task.CancelTask()
        self.assertEqual(task.info.state, 'success')
        self.assertFalse(task.info.cancelled)

    def test_cancel_non_cancelable_raises_not_supported(self):
        task = self.new_task(cancelable=False)
        with self.assertRaises(vmodl.fault.NotSupported):
            task.CancelTask()
        info = task.info
        self.assertEqual(info.state, 'queued')
        self.assertFalse(info.cancelled)


class FaultTests(EmulatorTestCase):

    MISSING = 'task-999999'

    def missing_task(self):
        return vim.Task(self.MISSING, self.si._stub)

    def assertNotFoundFor(self, call):
        with self.assertRaises(vmodl.fault.ManagedObjectNotFound) as ctx:
            call()
        self.assertIsInstance(ctx.exception.obj, vim.Task)
        self.assertEqual(ctx.exception.obj._moId, self.MISSING)

    def test_unknown_task_cancel_raises_managed_object_not_found(self):
        self.assertNotFoundFor(lambda: self.missing_task().CancelTask())

    def test_unknown_task_set_state_raises_managed_object_not_found(self):
        self.assertNotFoundFor(lambda: self.missing_task().SetTaskState(state='running'))

    def test_unknown_task_update_progress_raises_managed_object_not_found(self):
        self.assertNotFoundFor(lambda: self.missing_task().UpdateProgress(percentDone=1))

    def test_unknown_task_set_description_raises_managed_object_not_found(self):
        msg = vmodl.LocalizableMessage(key='k', message='m')
        self.assertNotFoundFor(lambda: self.missing_task().SetTaskDescription(description=msg))

    def test_unknown_task_info_read_raises_managed_object_not_found(self):
        self.assertNotFoundFor(lambda: self.missing_task().info)

    def as_viewer(self, task):
        """`task` seen through a new session of the ReadOnly user."""
        viewer = self.connect_as(*VIEWER)
        return vim.Task(task._moId, viewer._stub)

    def assertNoPermission(self, call, privilege, task=None):
        """call() raises NoPermission for `privilege` (and on `task`, when given)."""
        with self.assertRaises(vim.fault.NoPermission) as ctx:
            call()
        self.assertEqual(ctx.exception.privilegeId, privilege)
        if task is not None:
            self.assertEqual(ctx.exception.object._moId, task._moId)

    def test_viewer_update_progress_raises_no_permission(self):
        task = self.new_running_task()
        as_viewer = self.as_viewer(task)
        self.assertNoPermission(lambda: as_viewer.UpdateProgress(percentDone=50), 'Task.Update', task)
        self.assertIsNone(task.info.progress)

    def test_viewer_set_task_state_raises_no_permission(self):
        task = self.new_running_task()
        as_viewer = self.as_viewer(task)
        self.assertNoPermission(lambda: as_viewer.SetTaskState(state='success', result='nope'),
                                'Task.Update', task)
        self.assertEqual(task.info.state, 'running')

    def test_viewer_permission_checked_before_state(self):
        # UpdateProgress on a queued task is InvalidState for an admin, but
        # privilege checks come first.
        as_viewer = self.as_viewer(self.new_task())
        self.assertNoPermission(lambda: as_viewer.UpdateProgress(percentDone=5), 'Task.Update')

    def test_viewer_create_task_raises_no_permission(self):
        viewer = self.connect_as(*VIEWER)
        self.assertNoPermission(lambda: self.create_task_info(si=viewer), 'Task.Create')

    def test_wrong_password_raises_invalid_login(self):
        with self.assertRaises(vim.fault.InvalidLogin):
            si = connect('admin', 'not-the-password')
            support.quiet_disconnect(si)

    def test_call_after_logout_raises_not_authenticated(self):
        task = self.new_running_task()
        si = connect(*ADMIN)
        stub = si._stub  # a plain SoapStubAdapter: no automatic re-login
        self.assertNotIsInstance(stub, SessionOrientedStub)
        old_cookie = stub.cookie
        self.assertIn('vmware_soap_session=', old_cookie)
        si.content.sessionManager.Logout()
        own_task = vim.Task(task._moId, stub)
        # 1) whatever cookie the Logout response left on the stub
        with self.assertRaises(vim.fault.NotAuthenticated) as ctx:
            own_task.UpdateProgress(percentDone=5)
        self.assertEqual(ctx.exception.privilegeId, 'System.View')
        self.assertEqual(ctx.exception.object._moId, task._moId)
        # 2) replaying the old session cookie: the session must be gone server-side
        stub.cookie = old_cookie
        with self.assertRaises(vim.fault.NotAuthenticated):
            own_task.SetTaskState(state='success')
        self.assertEqual(task.info.state, 'running')
        self.assertIsNone(task.info.progress)


class DisconnectTests(EmulatorTestCase):

    def test_disconnect_ends_session(self):
        task = self.new_running_task()
        si = connect(*ADMIN)
        stub = si._stub
        old_cookie = stub.cookie
        own_task = vim.Task(task._moId, stub)
        own_task.UpdateProgress(percentDone=7)  # session works before
        Disconnect(si)
        stub.cookie = old_cookie
        with self.assertRaises(vim.fault.NotAuthenticated):
            own_task.UpdateProgress(percentDone=8)
        self.assertEqual(task.info.progress, 7)


class SessionCookieTests(EmulatorTestCase):

    def test_quoted_cookie_split_idiom_names_the_session(self):
        # The SPBM samples and Ansible's storage-policy modules take the session id this way;
        # vCenter (and the emulator) quote the cookie's value.
        si = self.connect_as(*ADMIN)
        session_id = si._stub.cookie.split('"')[1]
        self.assertRegex(session_id, r'^[0-9a-f]{64}$')
        # The id alone, sent back quoted as those modules do, is the same session.
        stub = si._stub
        stub.cookie = 'vmware_soap_session="%s"' % session_id
        self.assertEqual(vim.SessionManager('SessionManager', stub).currentSession.userName, ADMIN[0])


if __name__ == '__main__':
    support.main()
