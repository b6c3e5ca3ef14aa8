"""An example test using the si fixture from conftest.py."""

from pyVim.task import WaitForTask
from pyVmomi import vim

import pytest


def test_task_runs_to_success(si):
    content = si.RetrieveContent()
    info = content.taskManager.CreateTask(obj=content.rootFolder, taskTypeId="com.vmware.govmomi.simulator.test",
                                          initiatedBy="pytest", cancelable=True)
    task = info.task
    task.SetTaskState(state="running")
    task.UpdateProgress(percentDone=50)
    task.SetTaskState(state="success", result="done")
    assert WaitForTask(task) == "success"
    assert task.info.result == "done"


def test_a_failed_task_raises_its_fault(si):
    content = si.RetrieveContent()
    task = content.taskManager.CreateTask(obj=content.rootFolder, taskTypeId="com.vmware.govmomi.simulator.test",
                                          initiatedBy="pytest", cancelable=False).task
    task.SetTaskState(state="running")
    task.SetTaskState(state="error", fault=vim.fault.InvalidState())
    with pytest.raises(vim.fault.InvalidState):
        WaitForTask(task)
