# rbvmomi 1.8 (Debian ruby-rbvmomi) against the emulator: a task's whole life, waiting for it,
# a fault set with rbvmomi's own bare-fault form, and a cancel. Reads VTASK_HOST / VTASK_PORT;
# prints one line per step and exits non-zero at the first failure.

require_relative 'common'

vim = connect
content = vim.serviceContent
check('connects and logs in (about is a vCenter)', content.about.apiType == 'VirtualCenter')
check('the session is the one logged in', content.sessionManager.currentSession.userName == 'admin')
tm = content.taskManager

# Lifecycle: created queued, run, progress, success with a result, read back.
task = tm.CreateTask(obj: content.rootFolder, taskTypeId: TASK_TYPE, cancelable: true).task
check('a created task is queued', task.info.state == 'queued')
task.SetTaskState(state: 'running')
task.UpdateProgress(percentDone: 40)
check('running at 40%', task.info.state == 'running' && task.info.progress == 40)
check('the task is in recentTask', tm.recentTask.map(&:_ref).include?(task._ref))

# Waiting: another connection finishes the task while this one waits for it.
finisher = Thread.new do
  other = connect
  sleep 0.3
  RbVmomi::VIM::Task(other, task._ref).SetTaskState(state: 'success', result: 'done')
  other.close
end
result = task.wait_for_completion
finisher.join
check('wait_for_completion returns the result once another session succeeds the task', result == 'done')
check('the finished task reads success', task.info.state == 'success' && task.info.result == 'done')

# A fault: rbvmomi sends SetTaskState's fault as a bare MethodFault subtype.
failing = tm.CreateTask(obj: content.rootFolder, taskTypeId: TASK_TYPE, cancelable: true).task
failing.SetTaskState(state: 'running')
failing.SetTaskState(state: 'error', fault: RbVmomi::VIM::NotFound.new)
begin
  failing.wait_for_completion
  raise 'wait_for_completion did not raise for a failed task'
rescue RbVmomi::Fault => e
  check("wait_for_completion raises the task's fault (#{e.fault.class.wsdl_name})", e.fault.is_a?(RbVmomi::VIM::NotFound))
end
check('the failed task reads error with NotFound', failing.info.state == 'error' && failing.info.error.fault.is_a?(RbVmomi::VIM::NotFound))

# A cancel: a running cancelable task canceled ends in error with RequestCanceled.
canceled = tm.CreateTask(obj: content.rootFolder, taskTypeId: TASK_TYPE, cancelable: true).task
canceled.SetTaskState(state: 'running')
canceled.CancelTask
begin
  canceled.wait_for_completion
  raise 'wait_for_completion did not raise for a canceled task'
rescue RbVmomi::Fault => e
  check('a canceled task raises RequestCanceled', e.fault.is_a?(RbVmomi::VIM::RequestCanceled))
end
check('the canceled task is marked cancelled', canceled.info.cancelled == true)

# A fault answered by the server reaches the caller as an rbvmomi fault.
begin
  task.UpdateProgress(percentDone: 50)
  raise 'UpdateProgress on a finished task did not fail'
rescue RbVmomi::Fault => e
  check('a server fault is raised as InvalidState', e.fault.is_a?(RbVmomi::VIM::InvalidState))
end

vim.close
puts 'rbvmomi: all steps passed'
