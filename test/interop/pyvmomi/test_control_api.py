#!/usr/bin/python3
"""Interop suite: the /_emulator/ control API as a pyVmomi 6.7.1 test author uses it.

Run against a running emulator (HTTPS, examples/users.json):

    VTASK_HOST=127.0.0.1 VTASK_PORT=18443 /usr/bin/python3 test_control_api.py -v

The control API is driven with the standard library only (urllib.request with an unverified SSL
context: the server's certificate is self-signed); what it does is observed through pyVmomi:
injected faults and latency on Task methods, scripted lifecycles seen by WaitForTask, seeded
tasks read through Task.info, and reset making them disappear.

The emulator is shared with the other pyVmomi suites, which the vitest wrapper runs one module
after another (never concurrently). Every rule this module adds is removed again by the test
that added it. POST /_emulator/reset wipes every task on the server, so it runs only in the
last test of this module (SeedResetTest sorts after the other classes and has one test); the
other modules create their own tasks per test and do not depend on earlier tasks surviving.
"""

import os
import sys
import time
import unittest
import uuid

from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vtask_support as support  # noqa: E402  (after the path entry it needs)
from vtask_support import ADMIN, ROOT_FOLDER_ID, TASK_TYPE  # noqa: E402


class ControlApiTestCase(support.SessionTestCase):
    """Shared admin connection plus helpers."""

    def api(self, method, path, body=None, expect=None):
        status, payload = support.api(method, path, body)
        if expect is not None:
            self.assertEqual(status, expect, '%s %s -> %s %r' % (method, path, status, payload))
        return payload

    def new_running_task(self):
        info = support.create_task(self.si, 'control-api-%s' % uuid.uuid4().hex[:8])
        info.task.SetTaskState(state='running')
        return info.task

    def add_rule(self, kind, rule):
        """POST /<kind> (faults or latency); the rule is deleted again at cleanup."""
        created = self.api('POST', '/' + kind, rule, expect=201)
        self.assertTrue(created.get('id'), created)
        self.addCleanup(self._quiet_delete, '/%s/%s' % (kind, created['id']))
        return created

    def add_fault_rule(self, rule):
        return self.add_rule('faults', rule)

    def add_latency_rule(self, rule):
        return self.add_rule('latency', rule)

    @staticmethod
    def _quiet_delete(path):
        try:
            support.api('DELETE', path)  # 404 when the test deleted it already
        except Exception:
            pass

    def task(self, key):
        return vim.Task(key, self.si._stub)


class FaultInjectionTest(ControlApiTestCase):

    def test_injected_fault_reaches_pyvmomi_once(self):
        task = self.new_running_task()
        rule = self.add_fault_rule({
            'method': 'UpdateProgress', 'task': task._moId,
            'fault': {'type': 'NotFound', 'message': 'injected by test'}, 'count': 1})
        self.assertEqual(rule['count'], 1)
        self.assertEqual(rule['hits'], 0)

        with self.assertRaises(vim.fault.NotFound) as raised:
            task.UpdateProgress(10)
        self.assertEqual(raised.exception.msg, 'injected by test')
        self.assertNotEqual(task.info.progress, 10)  # the method did not run

        task.UpdateProgress(10)  # the rule is used up
        self.assertEqual(task.info.progress, 10)

        rules = self.api('GET', '/faults', expect=200)['rules']
        mine = [r for r in rules if r['id'] == rule['id']]
        self.assertEqual(len(mine), 1, rules)
        self.assertEqual(mine[0]['hits'], 1)

    def test_injected_fault_only_hits_its_task(self):
        task, other = self.new_running_task(), self.new_running_task()
        self.add_fault_rule({
            'method': 'UpdateProgress', 'task': task._moId,
            'fault': {'type': 'NotFound', 'message': 'injected by test'}, 'count': 1})
        other.UpdateProgress(20)
        self.assertEqual(other.info.progress, 20)
        with self.assertRaises(vim.fault.NotFound):
            task.UpdateProgress(10)

    def test_injected_fault_with_fields_then_deleted(self):
        task = self.new_running_task()
        rule = self.add_fault_rule({
            'method': 'SetTaskState',
            'fault': {'type': 'NoPermission', 'fields': {
                'object': {'type': 'Folder', 'value': ROOT_FOLDER_ID},
                'privilegeId': 'Task.Update'}}})

        with self.assertRaises(vim.fault.NoPermission) as raised:
            task.SetTaskState(state='success', result='never')
        fault = raised.exception
        self.assertEqual(fault.privilegeId, 'Task.Update')
        self.assertIsInstance(fault.object, vim.Folder)
        self.assertEqual(fault.object._moId, ROOT_FOLDER_ID)
        # No count: every matching call fails until the rule is deleted.
        with self.assertRaises(vim.fault.NoPermission):
            task.SetTaskState(state='success', result='never')
        self.assertEqual(task.info.state, 'running')

        self.api('DELETE', '/faults/' + rule['id'], expect=204)
        self.api('DELETE', '/faults/' + rule['id'], expect=404)
        rules = self.api('GET', '/faults', expect=200)['rules']
        self.assertNotIn(rule['id'], [r['id'] for r in rules])

        task.SetTaskState(state='success', result='done')
        self.assertEqual(task.info.state, 'success')
        self.assertEqual(task.info.result, 'done')


class LatencyInjectionTest(ControlApiTestCase):

    def describe(self, task, text):
        started = time.monotonic()
        task.SetTaskDescription(description=vim.LocalizableMessage(key='k', message=text))
        return time.monotonic() - started

    def test_latency_rule_slows_the_call(self):
        task = self.new_running_task()
        self.describe(task, 'warm-up')  # connection set up before measuring
        rule = self.add_latency_rule({'method': 'SetTaskDescription', 'delayMs': 300})
        self.assertEqual(rule['delayMs'], 300)
        self.assertEqual(rule['method'], 'SetTaskDescription')

        elapsed = self.describe(task, 'slowed')
        self.assertGreaterEqual(elapsed, 0.3)
        self.assertLess(elapsed, 2.0)
        self.assertEqual(task.info.description.message, 'slowed')

        # Other methods are not slowed.
        started = time.monotonic()
        task.UpdateProgress(5)
        self.assertLess(time.monotonic() - started, 0.3)

        self.api('DELETE', '/latency/' + rule['id'], expect=204)
        rules = self.api('GET', '/latency', expect=200)['rules']
        self.assertNotIn(rule['id'], [r['id'] for r in rules])
        self.assertLess(self.describe(task, 'fast again'), 0.3)


class ScriptedLifecycleTest(ControlApiTestCase):

    def scripted(self, lifecycle):
        created = self.api('POST', '/tasks', {'lifecycle': lifecycle}, expect=201)
        self.assertEqual(created['_type'], 'TaskInfo')
        self.assertEqual(created['state'], 'queued')
        return self.task(created['key'])

    def test_scripted_success_seen_by_wait_for_task(self):
        task = self.scripted({'startAfterMs': 100, 'durationMs': 500, 'progressSteps': 3,
                              'outcome': 'success', 'result': 'scripted'})
        progress = []
        started = time.monotonic()
        state = WaitForTask(task, si=self.si,
                            onProgressUpdate=lambda _task, percent: progress.append(percent))
        elapsed = time.monotonic() - started
        self.assertEqual(state, 'success')
        self.assertLess(elapsed, 5.0)
        self.assertGreaterEqual(elapsed, 0.5)  # nothing finishes before startAfterMs + durationMs
        self.assertEqual(task.info.state, 'success')
        self.assertEqual(task.info.result, 'scripted')
        self.assertIsNotNone(task.info.startTime)
        self.assertIsNotNone(task.info.completeTime)

        history = self.api('GET', '/tasks/%s/history' % task._moId, expect=200)['history']
        steps = [h['changes']['progress']['new'] for h in history if 'progress' in h['changes']]
        self.assertEqual(steps, [25, 50, 75])

    def test_scripted_error_raises_the_fault(self):
        task = self.scripted({'startAfterMs': 50, 'durationMs': 200, 'progressSteps': 1,
                              'outcome': 'error', 'fault': {'type': 'NotFound', 'message': 'boom'}})
        started = time.monotonic()
        with self.assertRaises(vim.fault.NotFound) as raised:
            WaitForTask(task, si=self.si)
        self.assertLess(time.monotonic() - started, 5.0)
        self.assertEqual(raised.exception.msg, 'boom')
        info = task.info
        self.assertEqual(info.state, 'error')
        self.assertIsInstance(info.error, vim.fault.NotFound)
        self.assertIsNone(info.result)


class SeedResetTest(ControlApiTestCase):
    """Must stay the last test of the module: POST /reset removes every task on the server."""

    def test_seed_then_reset(self):
        seeded = self.api('POST', '/seed', {'tasks': [{'state': 'running', 'progress': 25}]},
                          expect=200)
        self.assertEqual(seeded['faults'], 0)
        self.assertEqual(seeded['latency'], 0)
        self.assertEqual(len(seeded['tasks']), 1, seeded)
        key = seeded['tasks'][0]

        task = self.task(key)
        info = task.info
        self.assertEqual(info.key, key)
        self.assertEqual(info.state, 'running')
        self.assertEqual(info.progress, 25)
        self.assertEqual(info.descriptionId, TASK_TYPE)
        self.assertEqual(info.entity._moId, ROOT_FOLDER_ID)

        # A pyVmomi call on the seeded task shows up in its history after the seeding.
        task.UpdateProgress(60)
        history = self.api('GET', '/tasks/%s/history' % key, expect=200)
        self.assertEqual(history['task'], key)
        entries = history['history']
        states = [h['changes']['state'] for h in entries if 'state' in h['changes']]
        self.assertIn({'old': 'queued', 'new': 'running'}, states)
        progress = [h['changes']['progress'] for h in entries if 'progress' in h['changes']]
        self.assertEqual(progress, [{'old': None, 'new': 25}, {'old': 25, 'new': 60}])
        last = entries[-1]
        self.assertEqual(last['method'], 'UpdateProgress')
        self.assertEqual(last['user'], ADMIN[0])

        self.assertEqual(self.api('POST', '/reset', expect=200), {'reset': True})

        with self.assertRaises(vmodl.fault.ManagedObjectNotFound):
            task.info
        with self.assertRaises(vmodl.fault.ManagedObjectNotFound):
            task.UpdateProgress(70)
        self.api('GET', '/tasks/' + key, expect=404)
        self.assertEqual(self.api('GET', '/tasks', expect=200)['tasks'], [])
        self.assertEqual(self.api('GET', '/faults', expect=200)['rules'], [])
        self.assertEqual(self.api('GET', '/latency', expect=200)['rules'], [])

        # Sessions stay logged in; new tasks work and never reuse a key.
        fresh = self.new_running_task()
        self.assertGreater(int(fresh._moId.rsplit('-', 1)[1]), int(key.rsplit('-', 1)[1]))


if __name__ == '__main__':
    unittest.main()
