import * as soap from 'soap';
import { startEmulator, EXAMPLE_USERS } from '../../helpers/emulator.js';
const emu = await startEmulator({ usersFile: EXAMPLE_USERS });
const url = emu.url();
const mo = (type: string, v: string) => ({ attributes: { type }, $value: v });
try {
  const client: any = await soap.createClientAsync(url + '/sdk/vimService.wsdl', { endpoint: url + '/sdk' });
  const [sc] = await client.RetrieveServiceContentAsync({ _this: mo('ServiceInstance', 'ServiceInstance') });
  console.log(client.lastRequest); console.log(client.lastResponse.slice(0, 1500)); console.log(JSON.stringify(sc, null, 1).slice(0, 1500));
  await client.LoginAsync({ _this: mo('SessionManager', 'SessionManager'), userName: 'admin', password: 'admin' });
  const cookie = client.lastResponseHeaders['set-cookie'][0].split(';')[0];
  client.addHttpHeader('Cookie', cookie);
  const [ti] = await client.CreateTaskAsync({ _this: mo('TaskManager', 'TaskManager'), obj: mo('Folder', 'group-d1'), taskTypeId: 'com.vmware.govmomi.simulator.test', initiatedBy: 'node', cancelable: true });
  console.log(client.lastRequest); console.log(client.lastResponse); console.log(JSON.stringify(ti, null, 1));
  const task = ti.returnval.task;
  const tref = () => mo('Task', ti.returnval.key);
  let r = await client.SetTaskStateAsync({ _this: tref(), state: 'running' }); console.log(r[0], client.lastResponse);
  r = await client.UpdateProgressAsync({ _this: tref(), percentDone: 150 }); console.log(r[0], client.lastRequest, client.lastResponse);
  r = await client.RetrievePropertiesExAsync({ _this: mo('PropertyCollector', 'propertyCollector'), specSet: [{ propSet: [{ type: 'Task', pathSet: ['info'] }], objectSet: [{ obj: tref() }] }], options: {} });
  console.log(client.lastRequest); console.log(client.lastResponse); console.log(JSON.stringify(r[0], null, 1));
  r = await client.SetTaskDescriptionAsync({ _this: tref(), description: { key: 'my.key', message: 'Doing stuff' } }); console.log(client.lastRequest, client.lastResponse);
  r = await client.SetTaskStateAsync({ _this: tref(), state: 'success', result: { attributes: { xsi_type: { type: 'string', xmlns: 'http://www.w3.org/2001/XMLSchema', prefix: 'xsd' } }, $value: 'hello world' } });
  console.log(client.lastRequest, client.lastResponse);
  r = await client.RetrievePropertiesExAsync({ _this: mo('PropertyCollector', 'propertyCollector'), specSet: [{ propSet: [{ type: 'Task', pathSet: ['info'] }], objectSet: [{ obj: tref() }] }], options: {} });
  console.log(client.lastResponse); console.log(JSON.stringify(r[0], null, 1));
  const [t2] = await client.CreateTaskAsync({ _this: mo('TaskManager', 'TaskManager'), obj: mo('Folder', 'group-d1'), taskTypeId: 'com.vmware.govmomi.simulator.test', cancelable: true });
  const t2ref = mo('Task', t2.returnval.key);
  r = await client.CancelTaskAsync({ _this: t2ref }); console.log(r[0], client.lastRequest, client.lastResponse);
  try { await client.CancelTaskAsync({ _this: mo('Task', t2.returnval.key) }); } catch (e: any) { console.log('ERR', e.message); console.log(JSON.stringify(e.root, null, 1)); console.log(Object.keys(e), e.response?.status, e.body); }
} finally { await emu.close(); }
