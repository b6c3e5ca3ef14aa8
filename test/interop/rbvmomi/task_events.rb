# rbvmomi 1.8 (Debian ruby-rbvmomi) against the emulator: the events of a task. A task's
# TaskEvent is found on its eventChainId; an ExtendedEvent posted against the task joins the
# chain, seen by QueryEvents and by an EventHistoryCollector. Reads VTASK_HOST / VTASK_PORT;
# prints one line per step and exits non-zero at the first failure.

require_relative 'common'

vim = connect
content = vim.serviceContent
em = content.eventManager

info = content.taskManager.CreateTask(obj: content.rootFolder, taskTypeId: TASK_TYPE, cancelable: true)
chain = RbVmomi::VIM::EventFilterSpec(eventChainId: info.eventChainId)
events = em.QueryEvents(filter: chain)
check('the task has one TaskEvent on its chain', events.size == 1 && events[0].is_a?(RbVmomi::VIM::TaskEvent))
check('its key and chainId are the eventChainId', events[0].key == info.eventChainId && events[0].chainId == info.eventChainId)
check('it carries the queued TaskInfo of the task', events[0].info.key == info.key && events[0].info.state == 'queued')
check('its message names the task', events[0].fullFormattedMessage == "Task: #{TASK_TYPE}")

posted = RbVmomi::VIM::ExtendedEvent(
  key: 0, chainId: 0, createdTime: Time.now, userName: '',
  message: 'rbvmomi was here', eventTypeId: 'com.example.rbvmomi.note', managedObject: content.rootFolder
)
em.PostEvent(eventToPost: posted, taskInfo: info)
events = em.QueryEvents(filter: chain)
check('PostEvent with the taskInfo adds the event to the chain, newest first',
      events.map { |e| e.class.wsdl_name } == %w[ExtendedEvent TaskEvent])
check('the server set its chainId and user', events[0].chainId == info.eventChainId && events[0].userName == 'admin')

collector = em.CreateCollectorForEvents(filter: chain)
read = collector.ReadNextEvents(maxCount: 10)
check('a collector on the chain reads both, oldest first', read.map(&:key) == events.map(&:key).reverse)
check("latestPage holds them newest first", collector.latestPage.map(&:key) == events.map(&:key))
collector.DestroyCollector

vim.close
puts 'rbvmomi events: all steps passed'
