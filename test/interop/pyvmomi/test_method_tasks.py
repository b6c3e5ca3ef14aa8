"""pyVmomi 6.7.1 against the emulator's inventory: vm.PowerOnVM_Task() waited for with pyVim's
WaitForTask, for a plain success, an error a method rule injects, a cancel mid-way and a hung
task the control API finishes; then vm.runtime.powerState. Method rules are added through the
control API (/_emulator/methods) and removed after each test.
"""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vtask_support as support  # noqa: E402

from pyVim.task import WaitForTask  # noqa: E402
from pyVmomi import vim, vmodl  # noqa: E402


class MethodTaskTests(support.SessionTestCase):

    def setUp(self):
        status, _ = support.api('POST', '/reset')
        self.assertEqual(status, 200)
        datacenter = self.content.rootFolder.childEntity[0]
        self.vm = next(v for v in datacenter.vmFolder.childEntity if v.name == 'web-01')
        self.assertEqual(self.vm.runtime.powerState, 'poweredOff')

    def add_rule(self, rule):
        status, body = support.api('POST', '/methods', rule)
        self.assertEqual(status, 201, body)

    def test_power_on_succeeds(self):
        task = self.vm.PowerOnVM_Task()
        self.assertEqual(task.info.descriptionId, 'VirtualMachine.powerOn')
        self.assertEqual(task.info.entity, self.vm)
        self.assertEqual(task.info.reason.userName, 'admin')
        self.assertEqual(WaitForTask(task), 'success')
        self.assertEqual(self.vm.runtime.powerState, 'poweredOn')
        self.assertEqual(self.vm.summary.runtime.powerState, 'poweredOn')

    def test_injected_error(self):
        self.add_rule({'method': 'PowerOnVM_Task', 'entity': '/DC0/vm/web-01', 'durationMs': 300,
                       'progressSteps': 1, 'fault': {'type': 'InsufficientResourcesFault',
                                                     'message': 'no room on the host'}})
        seen = []
        task = self.vm.PowerOnVM_Task()
        with self.assertRaises(vim.fault.InsufficientResourcesFault):
            WaitForTask(task, onProgressUpdate=lambda t, p: seen.append(p))
        self.assertIn(50, seen)
        self.assertEqual(task.info.state, 'error')
        self.assertEqual(task.info.error.msg, 'no room on the host')
        self.assertEqual(self.vm.runtime.powerState, 'poweredOff')

    def test_cancel_midway(self):
        self.add_rule({'method': 'PowerOnVM_Task', 'durationMs': 60000, 'progressSteps': 10,
                       'cancelable': True})
        task = self.vm.PowerOnVM_Task()
        while task.info.state != 'running':
            time.sleep(0.02)
        task.CancelTask()
        with self.assertRaises(vmodl.fault.RequestCanceled):
            WaitForTask(task)
        self.assertTrue(task.info.cancelled)
        self.assertEqual(self.vm.runtime.powerState, 'poweredOff')

    def test_hung_task_finished_by_control_api(self):
        self.add_rule({'method': 'PowerOnVM_Task', 'outcome': 'hangUntilFinished'})
        task = self.vm.PowerOnVM_Task()
        key = task.info.key

        def finish():
            time.sleep(0.5)
            support.api('POST', '/tasks/%s/finish' % key, {'outcome': 'success'})

        finisher = threading.Thread(target=finish)
        finisher.start()
        self.assertEqual(WaitForTask(task), 'success')
        finisher.join()
        self.assertEqual(self.vm.runtime.powerState, 'poweredOn')


if __name__ == '__main__':
    support.main()
