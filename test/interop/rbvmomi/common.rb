# What the rbvmomi scripts share: where the emulator is (VTASK_HOST / VTASK_PORT), the task type
# they create, logging in over HTTPS with its self-signed certificate, and one checked step a
# line ("ok ..."; the first failure raises, so the script exits non-zero).

require 'rbvmomi'

HOST = ENV.fetch('VTASK_HOST')
PORT = Integer(ENV.fetch('VTASK_PORT'))
TASK_TYPE = 'com.vmware.govmomi.simulator.test'

def connect(user = 'admin', password = user)
  RbVmomi::VIM.connect(host: HOST, port: PORT, ssl: true, insecure: true, user: user, password: password)
end

def check(what, condition)
  raise "#{what}: failed" unless condition
  puts "ok #{what}"
end
