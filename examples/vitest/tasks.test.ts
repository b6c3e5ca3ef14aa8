// A test file reaching the emulator globalSetup started: the control API seeds a task, and a
// SOAP call reads it, over HTTPS that trusts the emulator's certificate.
import { request } from 'node:https';
import { ControlClient } from 'vtask-emulator';
import { expect, inject, test } from 'vitest';

const url = inject('vcenterUrl');
const ca = inject('vcenterCertificate');
const control = new ControlClient({ baseUrl: url, ca });

function soap(body: string, cookie?: string): Promise<{ status: number; body: string; cookie?: string }> {
  const envelope = `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8', soapaction: 'urn:vim25/7.0.3.0' };
    if (cookie) headers.cookie = cookie;
    const req = request(url, { method: 'POST', ca, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, cookie: res.headers['set-cookie']?.[0]?.split(';')[0] }));
    });
    req.on('error', reject);
    req.end(envelope);
  });
}

test('a task seeded through the control API is what a SOAP client reads', async () => {
  await control.reset();
  const { tasks } = await control.seed({ tasks: [{ state: 'running', progress: 40, initiatedBy: 'vitest' }] });
  const login = await soap('<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>admin</userName><password>admin</password></Login>');
  expect(login.status).toBe(200);
  const read = await soap(
    `<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>Task</type><pathSet>info.progress</pathSet></propSet><objectSet><obj type="Task">${tasks[0]}</obj></objectSet></specSet><options/></RetrievePropertiesEx>`,
    login.cookie,
  );
  expect(read.body).toContain('<val xsi:type="xsd:int">40</val>');
});

test('faults injected for this run show in the control API', async () => {
  await control.faults.add({ method: 'CancelTask', fault: { type: 'NotSupported' } });
  expect(await control.faults.list()).toHaveLength(1);
  await control.faults.clear();
});
