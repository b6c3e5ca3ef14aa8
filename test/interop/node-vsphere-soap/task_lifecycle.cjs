// node-vsphere-soap (npm, as published) against the emulator: a task's whole life, waiting for
// it through a PropertyCollector filter, a fault and a cancel. Run in a child process of its
// own: the client sets NODE_TLS_REJECT_UNAUTHORIZED=0 for its whole process. Reads VTASK_HOST
// and VTASK_PORT; prints one line per step and exits non-zero at the first failure.
'use strict';

const { Client } = require('node-vsphere-soap');

const TASK_TYPE = 'com.vmware.govmomi.simulator.test';
const host = `${process.env.VTASK_HOST}:${process.env.VTASK_PORT}`;

// After emitting 'error' for a SOAP fault, the client also rethrows it from inside its HTTP
// callback, where nothing can catch it; the fault itself has already reached the step that
// expects it through the 'error' event, so the rethrow is recorded and let go.
let rethrown = 0;
process.on('uncaughtException', (error) => {
  if (error && typeof error.body === 'string' && error.body.includes('ServerFaultCode')) {
    rethrown++;
    return;
  }
  console.error('unexpected exception:', error);
  process.exit(1);
});

function fail(message) {
  console.error(`FAILED: ${message}`);
  process.exit(1);
}

function check(what, condition, detail) {
  if (!condition) fail(`${what}${detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`);
  console.log(`ok ${what}`);
}

function connect() {
  return new Promise((resolve, reject) => {
    const client = new Client(host, 'admin', 'admin', false);
    client.once('ready', () => resolve(client));
    client.once('error', reject);
  });
}

/** Runs one command; resolves with its result, rejects with the fault's body. */
function call(client, command, args) {
  return new Promise((resolve, reject) => {
    client
      .runCommand(command, args)
      .once('result', (result) => resolve(result))
      .once('error', (body) => reject(new Error(String(body))));
  });
}

async function expectFault(promise, type) {
  try {
    await promise;
  } catch (error) {
    return error.message.includes(`xsi:type="${type}"`);
  }
  return false;
}

// The client parses by the WSDL, so repeated fields come back as arrays.
const first = (value) => (Array.isArray(value) ? value[0] : value);
const text = (value) => (value && typeof value === 'object' && '$value' in value ? value.$value : value);

async function readInfo(client, task) {
  const result = await call(client, 'RetrievePropertiesEx', {
    _this: client.serviceContent.propertyCollector,
    specSet: { propSet: { type: 'Task', pathSet: 'info' }, objectSet: { obj: task } },
    options: {},
  });
  return first(first(result.returnval.objects).propSet).val;
}

async function createTask(client) {
  const created = await call(client, 'CreateTask', {
    _this: client.serviceContent.taskManager,
    obj: client.serviceContent.rootFolder,
    taskTypeId: TASK_TYPE,
    cancelable: true,
  });
  return created.returnval.task;
}

/** Waits, as a client without a helper does: a filter on the task's info, then WaitForUpdatesEx until it ends. */
async function waitForTask(client, task) {
  const pc = client.serviceContent.propertyCollector;
  const filter = await call(client, 'CreateFilter', {
    _this: pc,
    spec: { propSet: { type: 'Task', pathSet: 'info' }, objectSet: { obj: task } },
    partialUpdates: false,
  });
  let version;
  for (let round = 0; round < 50; round++) {
    const args = { _this: pc };
    if (version !== undefined) args.version = version;
    args.options = { maxWaitSeconds: 10 };
    const update = await call(client, 'WaitForUpdatesEx', args);
    if (!update || !update.returnval) continue;
    version = update.returnval.version;
    const changes = [].concat(first(first(update.returnval.filterSet).objectSet).changeSet);
    const info = changes.find((c) => c.name === 'info');
    if (info && ['success', 'error'].includes(text(info.val.state))) {
      await call(client, 'DestroyPropertyFilter', { _this: filter.returnval });
      return info.val;
    }
  }
  fail('the task did not end while waiting');
}

async function main() {
  const client = await connect();
  check('connects (RetrieveServiceContent on /sdk/vimService.wsdl, _this without a type) and logs in', client.status === 'ready' && client.userName === 'admin', client.userName);
  const time = await call(client, 'CurrentTime', { _this: 'ServiceInstance' });
  check('CurrentTime with a bare _this', !Number.isNaN(Date.parse(time.returnval)), time.returnval);

  // Lifecycle.
  const task = await createTask(client);
  check('a created task is queued', text((await readInfo(client, task)).state) === 'queued');
  await call(client, 'SetTaskState', { _this: task, state: 'running' });
  await call(client, 'UpdateProgress', { _this: task, percentDone: 40 });
  const running = await readInfo(client, task);
  check('running at 40%', text(running.state) === 'running' && String(text(running.progress)) === '40', running);

  // Waiting: another session finishes the task while this one waits.
  const other = await connect();
  setTimeout(() => call(other, 'SetTaskState', { _this: task, state: 'success' }).catch((e) => fail(e.message)), 300);
  const done = await waitForTask(client, task);
  check('waiting sees the task succeed', text(done.state) === 'success', done);

  // A fault set on a task, and a fault answered to a call.
  const failing = await createTask(client);
  await call(client, 'SetTaskState', { _this: failing, state: 'running' });
  await call(client, 'SetTaskState', {
    _this: failing,
    state: 'error',
    fault: { fault: { attributes: { 'xsi:type': 'NotFound' } }, localizedMessage: 'not there' },
  });
  const failed = await waitForTask(client, failing);
  const fault = failed.error && failed.error.fault;
  check('a failed task ends in error with its fault', text(failed.state) === 'error' && failed.error.localizedMessage === 'not there' && fault.attributes['xsi:type'] === 'NotFound', failed);
  check('a call the server refuses comes back as its fault (InvalidState)', await expectFault(call(client, 'UpdateProgress', { _this: task, percentDone: 50 }), 'InvalidState'));

  // A cancel.
  const canceled = await createTask(client);
  await call(client, 'SetTaskState', { _this: canceled, state: 'running' });
  await call(client, 'CancelTask', { _this: canceled });
  const ended = await waitForTask(client, canceled);
  check('a canceled task ends in error, cancelled, with RequestCanceled', text(ended.state) === 'error' && String(text(ended.cancelled)) === 'true' && JSON.stringify(ended.error).includes('RequestCanceled'), ended);

  await call(other, 'Logout', { _this: other.sessionManager });
  await call(client, 'Logout', { _this: client.sessionManager });
  check('logs out', client.status === 'disconnected');
  console.log(`node-vsphere-soap: all steps passed (${rethrown} fault rethrow(s) let go)`);
  process.exit(0);
}

main().catch((error) => fail(error && error.stack ? error.stack : String(error)));
