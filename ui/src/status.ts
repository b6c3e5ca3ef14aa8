// A task's status as Recent Tasks draws it: a progress bar with its percent while running,
// otherwise a mark and a word, and for a failure the fault's type and message.

import { el } from './dom.js';
import { STATUS_TEXT, statusOf } from './format.js';
import type { TaskRow } from './protocol.js';

const MARKS: Readonly<Record<string, string>> = {
  queued: '\u25F7',
  success: '\u2713',
  error: '\u2715',
  canceled: '\u2298',
};

/** A string that changes exactly when the rendering would. */
export function statusKey(row: TaskRow): string {
  return `${statusOf(row)}|${row.progress ?? ''}|${row.fault?.type ?? ''}|${row.fault?.message ?? ''}`;
}

export function statusView(row: TaskRow): HTMLElement {
  const status = statusOf(row);
  const text = STATUS_TEXT[status];
  if (status === 'running' || status === 'canceling') {
    const percent = Math.max(0, Math.min(100, row.progress ?? 0));
    return el(
      'span',
      { class: `status status-${status}` },
      el('progress', { max: 100, value: percent, 'aria-label': `${text}, ${percent}%` }),
      el('span', { class: 'percent' }, `${percent}%`),
      status === 'canceling' ? el('span', { class: 'status-word' }, text) : null,
    );
  }
  const fault = status === 'error' && row.fault ? row.fault : undefined;
  return el(
    'span',
    { class: `status status-${status}` },
    el('span', { class: 'mark', 'aria-hidden': 'true' }, MARKS[status] ?? ''),
    el('span', { class: 'status-word' }, text),
    fault ? el('span', { class: 'fault' }, el('span', { class: 'fault-type' }, fault.type), fault.message ? `: ${fault.message}` : '') : null,
  );
}
