import * as soap from 'soap';
import { startEmulator, EXAMPLE_USERS } from '../../helpers/emulator.js';
const emu = await startEmulator({ usersFile: EXAMPLE_USERS });
const url = emu.url();
try {
  const client: any = await soap.createClientAsync(url + '/sdk/vimService.wsdl', { endpoint: url + '/sdk' });
  const ct = client.wsdl.definitions.schemas['urn:vim25'].complexTypes['NotAuthenticated'];
  const ext = ct.children[0].children[0];
  console.log(ct.constructor.name, ct.children.map((c: any) => c.constructor.name), ext.constructor.name, ext.$base, Object.keys(ext));
  console.log(Object.keys(client.wsdl.definitions.schemas), Object.keys(client.wsdl.definitions.messages).length, client.wsdl.definitions.portTypes && Object.keys(client.wsdl.definitions.portTypes));
  console.log(Object.keys(client.wsdl.definitions.bindings), Object.keys(client.wsdl.definitions.services));
  const b = client.wsdl.definitions.bindings.VimBinding; console.log(Object.keys(b.methods).length, Object.keys(b.methods.CancelTask), b.methods.CancelTask.soapAction, b.methods.CancelTask.style);
  console.log(client.wsdl.definitions.services.VimService.ports.VimPort.location);
} finally { await emu.close(); }
