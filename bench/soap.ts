// The SOAP requests the benchmark sends, written the way govmomi writes them (default-namespace
// envelope, no xsi/xsd declarations), and a minimal keep-alive HTTP/1.1 client over a raw socket.
// The raw client keeps the load generator cheap: with 1,000 waiting clients, node:http's own
// parsing on the client side would be a large part of what "time until all have their answer"
// measures.

import net from 'node:net';
import tls from 'node:tls';

export const TASK_TYPE = 'com.vmware.govmomi.simulator.test';

export function envelope(method: string, thisType: string, thisValue: string, args = ''): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body>' +
    `<${method} xmlns="urn:vim25"><_this type="${thisType}">${thisValue}</_this>${args}</${method}></Body></Envelope>`
  );
}

export const requests = {
  login: (user = 'admin', password = 'admin') =>
    envelope('Login', 'SessionManager', 'SessionManager', `<userName>${user}</userName><password>${password}</password>`),
  createTask: () =>
    envelope(
      'CreateTask',
      'TaskManager',
      'TaskManager',
      `<obj type="Folder">group-d1</obj><taskTypeId>${TASK_TYPE}</taskTypeId><initiatedBy>bench</initiatedBy><cancelable>true</cancelable>`,
    ),
  setTaskState: (task: string, state: string) => envelope('SetTaskState', 'Task', task, `<state>${state}</state>`),
  updateProgress: (task: string, percent: number) => envelope('UpdateProgress', 'Task', task, `<percentDone>${percent}</percentDone>`),
  setTaskDescription: (task: string, n: number) =>
    envelope('SetTaskDescription', 'Task', task, `<description><key>bench.step</key><message>step ${n}</message></description>`),
  retrieveInfo: (task: string) =>
    envelope(
      'RetrievePropertiesEx',
      'PropertyCollector',
      'propertyCollector',
      `<specSet><propSet><type>Task</type><pathSet>info</pathSet></propSet><objectSet><obj type="Task">${task}</obj></objectSet></specSet><options></options>`,
    ),
  createFilter: (task: string) =>
    envelope(
      'CreateFilter',
      'PropertyCollector',
      'propertyCollector',
      `<spec><propSet><type>Task</type><pathSet>info</pathSet></propSet><objectSet><obj type="Task">${task}</obj></objectSet></spec><partialUpdates>false</partialUpdates>`,
    ),
  waitForUpdatesEx: (version: string, maxWaitSeconds: number) =>
    envelope(
      'WaitForUpdatesEx',
      'PropertyCollector',
      'propertyCollector',
      `<version>${version}</version><options><maxWaitSeconds>${maxWaitSeconds}</maxWaitSeconds></options>`,
    ),
};

/** The task key in a CreateTask answer (TaskInfo.key). */
export function taskKeyOf(body: string): string | undefined {
  return /<key>(task-\d+)<\/key>/.exec(body)?.[1];
}

/** UpdateSet.version in a WaitForUpdatesEx answer. */
export function versionOf(body: string): string | undefined {
  return /<version>([^<]*)<\/version>/.exec(body)?.[1];
}

export const SOAP_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/xml; charset=utf-8',
  soapaction: '"urn:vim25/7.0.3.0"',
};

export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; repeated headers keep the last value. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection; requests on it are sent one at a time (no pipelining). */
export class RawConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  cookie: string | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly host: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.drain();
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static open(url: URL): Promise<RawConnection> {
    const port = Number(url.port);
    const host = url.hostname;
    return new Promise((resolve, reject) => {
      const socket =
        url.protocol === 'https:'
          ? tls.connect({ host, port, rejectUnauthorized: false }, () => resolve(new RawConnection(socket, url.host)))
          : net.connect({ host, port }, () => resolve(new RawConnection(socket, url.host)));
      socket.once('error', reject);
    });
  }

  /** POSTs a SOAP body to /sdk with this connection's session cookie; remembers a new cookie. */
  async soap(body: string): Promise<RawResponse> {
    const headers: Record<string, string> = { ...SOAP_HEADERS };
    if (this.cookie) headers.cookie = this.cookie;
    const response = await this.request('POST', '/sdk', headers, body);
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';', 1)[0];
    return response;
  }

  request(method: string, path: string, headers: Readonly<Record<string, string>>, body = ''): Promise<RawResponse> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error('a request is already in flight on this connection'));
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(`${head}\r\n${body}`);
    });
  }

  private drain(): void {
    if (!this.waiting) return;
    const end = this.buffer.indexOf(HEADER_END);
    if (end === -1) return;
    const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const length = Number(headers.get('content-length'));
    if (!Number.isFinite(length)) {
      this.socket.destroy(new Error('response without content-length (the benchmark client reads only those)'));
      return;
    }
    const total = end + HEADER_END.length + length;
    if (this.buffer.length < total) return;
    const body = this.buffer.subarray(end + HEADER_END.length, total).toString('utf8');
    this.buffer = this.buffer.subarray(total);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting.resolve({ status, headers, body });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Sends a call and insists on HTTP 200 (setup steps must not fail silently). */
export async function expectOk(connection: RawConnection, body: string, what: string): Promise<RawResponse> {
  const response = await connection.soap(body);
  if (response.status !== 200) throw new Error(`${what}: HTTP ${response.status}: ${response.body.slice(0, 400)}`);
  return response;
}
