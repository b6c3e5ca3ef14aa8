// A vim25 value (as the control API writes it) as readable markup: data objects as definition
// lists headed by their type, references as Type:value, faults as type, message and fields.

import { el } from './dom.js';
import { isObject, valueText } from './format.js';
import type { Json, JsonObject } from './protocol.js';

export function renderValue(json: Json | undefined): Node {
  if (json === null || json === undefined) return el('span', { class: 'unset' }, 'unset');
  if (typeof json !== 'object') return el('span', { class: `value value-${typeof json}` }, String(json));
  if (Array.isArray(json)) {
    if (!json.length) return el('span', { class: 'unset' }, 'empty list');
    return el('ol', { class: 'value-list' }, ...json.map((item) => el('li', {}, renderValue(item))));
  }
  const type = typeof json._type === 'string' ? json._type : undefined;
  if (type === 'ManagedObjectReference' || (type?.startsWith('xsd:') ?? false)) {
    return el('span', { class: 'value', title: type }, valueText(json));
  }
  if (isObject(json.fault) && 'localizedMessage' in json) return renderFault(json);
  return renderObject(json, type);
}

function renderObject(json: JsonObject, type: string | undefined): HTMLElement {
  const fields = Object.entries(json).filter(([key]) => key !== '_type');
  return el(
    'div',
    { class: 'value-object' },
    type ? el('span', { class: 'value-type' }, type) : null,
    fields.length ? el('dl', {}, ...fields.flatMap(([key, value]) => [el('dt', {}, key), el('dd', {}, renderValue(value))])) : null,
  );
}

/** A LocalizedMethodFault: {fault: {_type, ...fields}, localizedMessage}. */
export function renderFault(json: JsonObject): HTMLElement {
  const fault = isObject(json.fault) ? json.fault : {};
  const type = typeof fault._type === 'string' ? fault._type : 'MethodFault';
  const fields = Object.entries(fault).filter(([key]) => key !== '_type');
  return el(
    'div',
    { class: 'fault-view' },
    el('p', {}, el('strong', { class: 'fault-type' }, type), json.localizedMessage ? `: ${valueText(json.localizedMessage)}` : ''),
    fields.length ? el('dl', {}, ...fields.flatMap(([key, value]) => [el('dt', {}, key), el('dd', {}, renderValue(value))])) : null,
  );
}
