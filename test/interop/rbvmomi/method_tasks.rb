# rbvmomi 1.8 (Debian ruby-rbvmomi) against the emulator's inventory: PowerOnVM_Task waited for
# with wait_for_completion, then runtime.powerState; and a method rule's injected fault raised
# by wait_for_completion. Reads VTASK_HOST / VTASK_PORT; exits non-zero at the first failure.

require 'json'
require 'net/http'
require 'openssl'
require_relative 'common'

def control(method, path, body = nil)
  http = Net::HTTP.new(HOST, PORT)
  http.use_ssl = true
  http.verify_mode = OpenSSL::SSL::VERIFY_NONE
  request = (method == :post ? Net::HTTP::Post : Net::HTTP::Get).new("/_emulator#{path}")
  if method == :post
    request['Content-Type'] = 'application/json'
    request.body = body ? JSON.generate(body) : ''
  end
  response = http.request(request)
  raise "#{method} #{path}: HTTP #{response.code}" unless response.code.to_i < 300
  response.body.to_s.empty? ? nil : JSON.parse(response.body)
end

vim = connect
control(:post, '/reset')
dc = vim.serviceContent.rootFolder.childEntity.first
vm = dc.vmFolder.childEntity.find { |v| v.name == 'web-01' }
check('web-01 starts powered off', vm.runtime.powerState == 'poweredOff')

task = vm.PowerOnVM_Task
check('PowerOnVM_Task answers with a task', task.is_a?(RbVmomi::VIM::Task))
task.wait_for_completion
check('the task succeeded', task.info.state == 'success' && task.info.descriptionId == 'VirtualMachine.powerOn')
check('runtime.powerState is poweredOn', vm.runtime.powerState == 'poweredOn')

control(:post, '/methods', { method: 'PowerOffVM_Task', durationMs: 200, progressSteps: 1, fault: { type: 'InvalidPowerState', fields: { existingState: 'poweredOn' } } })
begin
  vm.PowerOffVM_Task.wait_for_completion
  check('wait_for_completion raises the injected fault', false)
rescue RbVmomi::Fault => e
  check('wait_for_completion raises the injected fault', e.fault.is_a?(RbVmomi::VIM::InvalidPowerState))
end
check('the VM is still powered on', vm.runtime.powerState == 'poweredOn')
vim.close
puts 'rbvmomi method tasks: all steps passed'
