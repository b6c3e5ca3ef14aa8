// The list's filters and the open task, kept in the URL's query so a link shows the same view:
// ?state=running&user=alice&type=com.example.deploy&q=web&task=task-12

import { statusOf } from './format.js';
import type { TaskRow } from './protocol.js';

export const STATE_FILTERS = ['queued', 'running', 'success', 'error', 'canceled'] as const;
export type StateFilter = (typeof STATE_FILTERS)[number];

export interface View {
  readonly state: StateFilter | '';
  readonly user: string;
  readonly type: string;
  readonly q: string;
  /** The task whose details are open. */
  readonly task: string;
}

export const EMPTY_VIEW: View = { state: '', user: '', type: '', q: '', task: '' };

export function readView(search: string): View {
  const params = new URLSearchParams(search);
  const state = params.get('state') ?? '';
  return {
    state: (STATE_FILTERS as readonly string[]).includes(state) ? (state as StateFilter) : '',
    user: params.get('user') ?? '',
    type: params.get('type') ?? '',
    q: params.get('q') ?? '',
    task: params.get('task') ?? '',
  };
}

export function viewSearch(view: View): string {
  const params = new URLSearchParams();
  for (const key of ['state', 'user', 'type', 'q', 'task'] as const) if (view[key]) params.set(key, view[key]);
  const search = params.toString();
  return search ? `?${search}` : '';
}

export function sameFilters(a: View, b: View): boolean {
  return a.state === b.state && a.user === b.user && a.type === b.type && a.q === b.q;
}

/** A predicate for the view's filters; `label` gives a row's task name. */
export function matcher(view: View, label: (row: TaskRow) => string): (row: TaskRow) => boolean {
  const q = view.q.trim().toLowerCase();
  return (row) => {
    if (view.user && row.initiator !== view.user) return false;
    if (view.type && row.type !== view.type) return false;
    if (view.state) {
      const status = statusOf(row);
      // A task being canceled is still running.
      const state = status === 'canceling' ? 'running' : status;
      if (state !== view.state) return false;
    }
    if (q) {
      const text = [label(row), row.type, row.key, row.target, row.details, row.initiator, row.fault?.type, row.fault?.message].join('\n').toLowerCase();
      if (!text.includes(q)) return false;
    }
    return true;
  };
}
