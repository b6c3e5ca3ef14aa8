// A keep-alive raw SOAP client for the robustness suites: many thousands of calls per test, so
// it pools connections (unlike helpers/soap-client.ts, which opens one per request) and puts a
// deadline on every request, so a hung server fails the test instead of stalling it.

import http from 'node:http';
import { envelope, parseSoap, type SoapResponse } from '../../helpers/soap-client.js';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export class RequestTimeout extends Error {}

export class Transport {
  readonly agent: http.Agent;
  constructor(
    readonly baseUrl: string,
    maxSockets = 64,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(options: {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    timeoutMs?: number;
    fresh?: boolean;
  }): Promise<HttpAnswer> {
    const url = new URL(options.path ?? '/sdk', this.baseUrl);
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      let settled = false;
      const req = http.request(url, { method: options.method ?? 'POST', headers: options.headers, agent: options.fresh ? false : this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', (e) => {
          settled = true;
          clearTimeout(timer);
          reject(e);
        });
      });
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(new RequestTimeout(`no complete answer within ${timeoutMs} ms`));
      }, timeoutMs);
      req.on('error', (e) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(e);
      });
      req.end(options.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export class FastSession {
  cookie: string | undefined;
  /** A pinned session never takes a cookie from an answer (for forged or ended cookies). */
  pinned = false;
  constructor(
    readonly transport: Transport,
    readonly style: 'pyvmomi' | 'govmomi' = 'pyvmomi',
  ) {}

  async call(
    method: string,
    thisType: string,
    thisValue: string,
    args = '',
    options: { style?: 'pyvmomi' | 'govmomi'; timeoutMs?: number } = {},
  ): Promise<SoapResponse> {
    const inner = `<${method} xmlns="urn:vim25"><_this type="${thisType}">${thisValue}</_this>${args}</${method}>`;
    try {
      return await this.send(envelope(inner, options.style ?? this.style), options.timeoutMs);
    } catch (error) {
      if (error instanceof RequestTimeout) throw new RequestTimeout(`${method} on ${thisType}:${thisValue}: ${error.message}`);
      throw error;
    }
  }

  async send(body: string, timeoutMs?: number): Promise<SoapResponse> {
    const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:vim25/6.7.1"' };
    if (this.cookie) headers.cookie = this.cookie;
    const res = await this.transport.request({ body, headers, timeoutMs });
    const setCookie = res.headers['set-cookie'];
    if (setCookie?.length && !this.pinned) this.cookie = setCookie[0];
    const text = res.body.toString('utf8');
    return { status: res.status, headers: res.headers, body: text, result: await parseSoap(text) };
  }

  login(userName: string, password: string): Promise<SoapResponse> {
    return this.call('Login', 'SessionManager', 'SessionManager', `<userName>${userName}</userName><password>${password}</password>`);
  }
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Characters XML 1.0 does not allow anywhere in a document (outside its Char production). */
export const NON_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Where a text stops being well-formed XML 1.0 because of a character, or undefined. */
export function nonXmlChar(text: string): string | undefined {
  const m = NON_XML_CHAR.exec(text);
  if (!m) return undefined;
  return `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at offset ${m.index}: ${JSON.stringify(text.slice(Math.max(0, m.index - 60), m.index + 20))}`;
}
