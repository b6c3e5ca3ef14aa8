// How task fields read on the page: times, durations, statuses and vim25 values as text.

import type { Json, JsonObject, TaskRow } from './protocol.js';

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const shortDate = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** For the list: the time of day for today's times, with the date otherwise. */
export function formatShortTime(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms).toDateString() === new Date(now).toDateString() ? timeOnly.format(ms) : shortDate.format(ms);
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : dateTime.format(ms);
}

export function formatDuration(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.floor(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Time spent queued: until it started (or ended without starting), or until now. */
export function queuedFor(row: TaskRow, now: number): number {
  const left = row.startTime ?? row.completeTime;
  return (left ? Date.parse(left) : now) - Date.parse(row.queueTime);
}

export function isTerminal(row: TaskRow): boolean {
  return row.state === 'success' || row.state === 'error';
}

export function isCanceled(row: TaskRow): boolean {
  return row.state === 'error' && row.fault?.type === 'RequestCanceled';
}

export type Status = 'queued' | 'running' | 'canceling' | 'success' | 'error' | 'canceled';

export function statusOf(row: TaskRow): Status {
  if (isCanceled(row)) return 'canceled';
  if (row.state === 'running' && row.cancelled) return 'canceling';
  return row.state;
}

export const STATUS_TEXT: Readonly<Record<Status, string>> = {
  queued: 'Queued',
  running: 'Running',
  canceling: 'Canceling',
  success: 'Completed',
  error: 'Failed',
  canceled: 'Canceled',
};

export function isObject(json: Json | undefined): json is JsonObject {
  return typeof json === 'object' && json !== null && !Array.isArray(json);
}

/** One line for a vim25 value as the control API writes it (see src/vim/json-values.ts). */
export function valueText(json: Json | undefined): string {
  if (json === null || json === undefined) return '';
  if (typeof json !== 'object') return String(json);
  if (Array.isArray(json)) return json.map(valueText).join(', ');
  const type = typeof json._type === 'string' ? json._type : undefined;
  if (type === 'ManagedObjectReference') return `${String(json.type)}:${String(json.value)}`;
  if (type?.startsWith('xsd:')) return 'xml' in json ? String(json.xml) : valueText(json.value);
  if (isObject(json.fault) && 'localizedMessage' in json) return `${String(json.fault._type ?? 'MethodFault')}: ${valueText(json.localizedMessage)}`;
  if (type === 'LocalizableMessage') return valueText(json.message ?? json.key);
  if (type && 'value' in json && Object.keys(json).length === 2) return valueText(json.value);
  const fields = Object.entries(json)
    .filter(([key]) => key !== '_type')
    .map(([key, value]) => `${key}: ${valueText(value)}`);
  return `${type ?? ''}${type ? ' ' : ''}{${fields.join(', ')}}`;
}
