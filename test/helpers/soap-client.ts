// A raw SOAP client for wire tests: sends exactly the bytes a test writes and parses answers
// with xml2js (an independent parser), so the tests check the wire, not our own codec.

import http from 'node:http';
import https from 'node:https';
import { parseStringPromise } from 'xml2js';

export interface SoapResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The Body's single child, parsed by xml2js with namespaces stripped from names. */
  readonly result: Record<string, unknown>;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export function rawRequest(
  baseUrl: string,
  options: {
    method?: string;
    path?: string;
    /** The request target exactly as sent, e.g. the absolute form a proxy gets (`http://host/sdk`); instead of `path`. */
    target?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    chunked?: boolean;
  },
): Promise<RawResponse> {
  const url = new URL(options.path ?? '/sdk', baseUrl);
  const transport = url.protocol === 'https:' ? https : http;
  // With a target, the URL gives only where to connect (without an IPv6 literal's brackets).
  const where = options.target === undefined ? {} : { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path: options.target };
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      { method: options.method ?? 'POST', headers: options.headers, rejectUnauthorized: false, agent: false, ...where },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) {
      if (options.chunked) {
        const text = Buffer.from(options.body);
        const half = Math.floor(text.length / 2);
        req.write(text.subarray(0, half));
        req.end(text.subarray(half));
        return;
      }
      req.end(options.body);
    } else req.end();
  });
}

export function envelope(inner: string, style: 'pyvmomi' | 'govmomi' = 'pyvmomi'): string {
  if (style === 'govmomi') {
    return `<?xml version="1.0" encoding="UTF-8"?>\n<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body>${inner}</Body></Envelope>`;
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n' +
    `<soapenv:Body>${inner}</soapenv:Body>\n</soapenv:Envelope>`
  );
}

export async function parseSoap(body: string): Promise<Record<string, unknown>> {
  const doc = (await parseStringPromise(body, {
    explicitArray: false,
    tagNameProcessors: [(name: string) => name.replace(/^.*:/, '')],
    attrNameProcessors: [(name: string) => name],
  })) as { Envelope: { Body: Record<string, unknown> } };
  const bodyElement = doc.Envelope.Body;
  const keys = Object.keys(bodyElement).filter((k) => k !== '$');
  return { [keys[0]]: bodyElement[keys[0]] };
}

export class SoapSession {
  cookie: string | undefined;
  /** The SOAPAction header: the API version answers are written for (pyVmomi 6.7.1's by default; '': none sent). */
  soapAction = '"urn:vim25/6.7.1"';

  constructor(
    readonly baseUrl: string,
    readonly style: 'pyvmomi' | 'govmomi' = 'pyvmomi',
  ) {}

  async call(method: string, thisType: string, thisValue: string, args = ''): Promise<SoapResponse> {
    const body = envelope(`<${method} xmlns="urn:vim25"><_this type="${thisType}">${thisValue}</_this>${args}</${method}>`, this.style);
    return this.send(body);
  }

  async send(body: string): Promise<SoapResponse> {
    const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8' };
    if (this.soapAction) headers.soapaction = this.soapAction;
    if (this.cookie) headers.cookie = this.cookie;
    const res = await rawRequest(this.baseUrl, { body, headers });
    const setCookie = res.headers['set-cookie'];
    if (setCookie?.length) this.cookie = setCookie[0];
    return { ...res, result: await parseSoap(res.body) };
  }

  async login(userName = 'admin', password = 'admin'): Promise<SoapResponse> {
    return this.call('Login', 'SessionManager', 'SessionManager', `<userName>${userName}</userName><password>${password}</password>`);
  }
}

/** The fault detail element's xsi:type and fields, or undefined for a non-fault response. */
export function faultOf(res: SoapResponse): { type: string; faultstring: string; detail: Record<string, unknown>; elementName: string } | undefined {
  const fault = res.result.Fault as Record<string, unknown> | undefined;
  if (!fault) return undefined;
  const detail = fault.detail as Record<string, Record<string, unknown>>;
  const elementName = Object.keys(detail).find((k) => k !== '$')!;
  const element = detail[elementName];
  const attrs = (element.$ ?? {}) as Record<string, string>;
  return { type: attrs['xsi:type'], faultstring: String(fault.faultstring ?? ''), detail: element, elementName };
}
