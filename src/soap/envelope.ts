// SOAP 1.1 envelopes as vim25 clients send and expect them: requests with any prefix (pyVmomi's
// soapenv:, govmomi's default namespace), responses always soapenv:-prefixed with xsd and xsi
// declared, faults as vCenter writes them (HTTP 500, ServerFaultCode, <detail><XFault>).

import { InvalidRequest } from '../vim/faults.js';
import { escapeText, type XmlElement, type XmlReader } from './xml-reader.js';

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';

const ENVELOPE_START =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n' +
  '<soapenv:Body>';
const ENVELOPE_END = '</soapenv:Body>\n</soapenv:Envelope>';

/** Returns the single element inside soapenv:Body: the operation being called. */
export function readRequest(body: string, reader: XmlReader): XmlElement {
  const root = reader.parse(body);
  if (root.name !== 'Envelope' || (root.ns !== SOAP11_NS && root.ns !== SOAP12_NS)) {
    throw new InvalidRequest(`expected a SOAP 1.1 Envelope, got <${root.name}> in namespace '${root.ns}'`);
  }
  if (root.ns === SOAP12_NS) throw new InvalidRequest('SOAP 1.2 envelopes are not supported; vim25 speaks SOAP 1.1');
  let soapBody: XmlElement | undefined;
  for (const child of root.children) {
    if (child.ns !== SOAP11_NS || child.name !== 'Body') continue;
    if (soapBody) throw new InvalidRequest('the Envelope must contain exactly one Body');
    soapBody = child;
  }
  if (!soapBody) throw new InvalidRequest('the Envelope must contain exactly one Body');
  const operations = soapBody.children;
  if (operations.length !== 1) throw new InvalidRequest(`the Body must contain exactly one element, found ${operations.length}`);
  return operations[0];
}

/** The whole answer to a call: `returnval` is its result's XML ('' for none). */
export function operationResponse(operation: string, returnval: string): string {
  return `${ENVELOPE_START}<${operation}Response xmlns="urn:vim25">${returnval}</${operation}Response>${ENVELOPE_END}`;
}

/** A fault as vCenter writes it; `detailFields` is the fault object's fields' XML. */
export function faultEnvelope(type: string, faultString: string, detailFields: string): string {
  return (
    `${ENVELOPE_START}<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>${escapeText(faultString)}</faultstring>` +
    `<detail><${type}Fault xmlns="urn:vim25" xsi:type="${type}">${detailFields}</${type}Fault></detail></soapenv:Fault>${ENVELOPE_END}`
  );
}
