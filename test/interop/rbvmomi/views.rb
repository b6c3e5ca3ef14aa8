# rbvmomi 1.8 (Debian ruby-rbvmomi) against the emulator: a container view on the root folder and
# a PropertyCollector retrieval through it, a list view of tasks, and the SearchIndex lookups
# rbvmomi's Folder#find and #traverse make. What the views must hold is read independently from
# the root folder's childEntity, so it holds for any inventory. Reads VTASK_HOST / VTASK_PORT;
# prints one line per step and exits non-zero at the first failure.

require_relative 'common'

def through(vim, view, view_type, type, path)
  spec = {
    objectSet: [{ obj: view, skip: true, selectSet: [RbVmomi::VIM.TraversalSpec(name: 'traverseView', type: view_type, path: 'view', skip: false)] }],
    propSet: [{ type: type, pathSet: [path] }]
  }
  (vim.propertyCollector.RetrieveProperties(specSet: [spec]) || []).map { |c| [c.obj._ref, c.propSet.find { |p| p.name == path }&.val] }.to_h
end

vim = connect
content = vim.serviceContent
root = content.rootFolder
children = root.childEntity.map { |c| [c._ref, c.name] }.to_h

view = content.viewManager.CreateContainerView(container: root, type: ['ManagedEntity'], recursive: false)
check('a container view of the root lists its children', view.view.map(&:_ref).sort == children.keys.sort)
check('retrieving through the container view reads their names', through(vim, view, 'ContainerView', 'ManagedEntity', 'name') == children)
view.DestroyView

tasks = Array.new(2) { content.taskManager.CreateTask(obj: root, taskTypeId: TASK_TYPE, cancelable: false).task }
list = content.viewManager.CreateListView(obj: tasks)
check('a list view lists the tasks given', list.view.map(&:_ref) == tasks.map(&:_ref))
states = through(vim, list, 'ListView', 'Task', 'info.state')
check('retrieving through the list view reads their states', states == tasks.map { |t| [t._ref, 'queued'] }.to_h)
list.DestroyView
begin
  list.view
  raise 'a destroyed view still answers'
rescue RbVmomi::Fault => e
  check('a destroyed view is ManagedObjectNotFound', e.fault.is_a?(RbVmomi::VIM::ManagedObjectNotFound))
end

begin
  content.viewManager.CreateContainerView(container: root, type: ['NoSuchType'], recursive: true)
  raise 'an unknown type was accepted'
rescue RbVmomi::Fault => e
  check('an unknown type is InvalidArgument(type)', e.fault.is_a?(RbVmomi::VIM::InvalidArgument) && e.fault.invalidProperty == 'type')
end

check('FindByInventoryPath("/") is the root folder', content.searchIndex.FindByInventoryPath(inventoryPath: '/')._ref == root._ref)
check('Folder#find of a missing name finds nothing (SearchIndex.FindChild)', root.find('no-such-datacenter').nil?)
children.each { |ref, name| check("Folder#find('#{name}')", root.find(name)._ref == ref) }

vim.close
puts 'rbvmomi views: all steps passed'
