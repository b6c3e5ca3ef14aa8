# rbvmomi 1.8 (Debian ruby-rbvmomi) against the emulator with examples/users.json: an extension's
# question before it acts (AuthorizationManager.HasPrivilegeOnEntities on its own session) and
# HasPrivilegeOnEntity asked by an admin about another session (rbvmomi 1.8 predates
# FetchUserPrivilegeOnEntities). Reads VTASK_HOST / VTASK_PORT; prints "PASS <step>" or
# "FAIL <step>: <reason>" per step and exits 1 if any failed.

require_relative 'common'

def expect_that(condition, message)
  raise message unless condition
end

$failed = 0
def step(name)
  yield
  puts "PASS #{name}"
rescue StandardError => e
  $failed += 1
  puts "FAIL #{name}: #{e.class}: #{e.message.gsub("\n", ' | ')[0, 400]}"
end

step('has_privilege_on_entities') do
  vim = connect('creator')
  content = vim.serviceContent
  key = content.sessionManager.currentSession.key
  answer = content.authorizationManager.HasPrivilegeOnEntities(entity: [content.rootFolder], sessionId: key, privId: ['Task.Create', 'Task.Update'])
  expect_that(answer.size == 1 && answer[0].entity._ref == 'group-d1', "one answer for the root folder: #{answer.inspect}")
  granted = answer[0].privAvailability.map { |p| [p.privId, p.isGranted] }
  expect_that(granted == [['Task.Create', true], ['Task.Update', false]], "granted #{granted.inspect}")
  begin
    content.authorizationManager.HasPrivilegeOnEntities(entity: [RbVmomi::VIM::Folder(vim, 'group-nope')], sessionId: key, privId: ['System.View'])
    raise 'an unknown entity was answered'
  rescue RbVmomi::Fault => e
    expect_that(e.fault.is_a?(RbVmomi::VIM::ManagedObjectNotFound), "fault #{e.fault.class}")
  end
  vim.close
end

step('has_privilege_on_entity') do
  creator = connect('creator')
  key = creator.serviceContent.sessionManager.currentSession.key
  vim = connect('admin')
  content = vim.serviceContent
  granted = content.authorizationManager.HasPrivilegeOnEntity(entity: content.rootFolder, sessionId: key, privId: ['Task.Create', 'Task.Update', 'System.View'])
  expect_that(granted == [true, false, true], "granted #{granted.inspect}")
  creator.close
  vim.close
end

puts "SUMMARY #{2 - $failed} passed, #{$failed} failed"
exit($failed.zero? ? 0 : 1)
