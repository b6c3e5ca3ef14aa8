// The task list: a semantic table showing one page of the filtered tasks. Rows are kept by
// task key and only the cells whose text changed are written, so a frame with hundreds of
// updates touches little of the DOM. Keyboard: the task names are buttons in one tab stop;
// arrow keys, Home and End move between rows, Page Up/Down between pages, Enter opens.

import { el, fill, setText } from './dom.js';
import { formatDuration, formatShortTime, formatTime, queuedFor } from './format.js';
import type { TaskRow } from './protocol.js';
import { statusKey, statusView } from './status.js';

export const PAGE_SIZE = 100;

interface RowView {
  readonly tr: HTMLTableRowElement;
  readonly name: HTMLButtonElement;
  readonly target: HTMLTableCellElement;
  readonly status: HTMLTableCellElement;
  readonly details: HTMLTableCellElement;
  readonly initiator: HTMLTableCellElement;
  readonly queued: HTMLTableCellElement;
  readonly start: HTMLTableCellElement;
  readonly complete: HTMLTableCellElement;
  row: TaskRow | undefined;
  label: string;
  statusShown: string;
}

export interface TableHandlers {
  open(key: string): void;
  page(step: number): void;
}

function timeCell(cell: HTMLTableCellElement, iso: string | undefined, now: number): void {
  const text = formatShortTime(iso, now);
  if (cell.textContent === text) return;
  fill(cell, iso ? el('time', { datetime: iso, title: formatTime(iso) }, text) : '');
}

export class TaskTable {
  private readonly views = new Map<string, RowView>();
  private order: readonly TaskRow[] = [];
  /** The row whose name button is the table's tab stop. */
  private focusKey: string | undefined;

  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly handlers: TableHandlers,
  ) {
    body.addEventListener('click', (event) => {
      if ((event.target as Element).closest('a, input, select')) return;
      const tr = (event.target as Element).closest('tr');
      if (tr?.dataset.key) this.handlers.open(tr.dataset.key);
    });
    body.addEventListener('keydown', (event) => this.onKey(event));
  }

  /** Shows these rows (one page, in order); `label` names each task, `now` is the server's clock. */
  render(rows: readonly TaskRow[], label: (row: TaskRow) => string, now: number, openKey: string | undefined): void {
    this.order = rows;
    const keep = new Set<string>();
    let previous: Element | null = null;
    for (const row of rows) {
      keep.add(row.key);
      let view = this.views.get(row.key);
      if (!view) {
        view = this.create(row.key);
        this.views.set(row.key, view);
      }
      this.update(view, row, label(row), now);
      const expected: Element | null = previous ? previous.nextElementSibling : this.body.firstElementChild;
      if (expected !== view.tr) this.body.insertBefore(view.tr, expected);
      previous = view.tr;
    }
    for (const [key, view] of this.views) {
      if (keep.has(key)) continue;
      view.tr.remove();
      this.views.delete(key);
    }
    if (!this.focusKey || !keep.has(this.focusKey)) this.focusKey = rows[0]?.key;
    for (const [key, view] of this.views) {
      view.name.tabIndex = key === this.focusKey ? 0 : -1;
      if (key === openKey) view.tr.setAttribute('aria-current', 'true');
      else view.tr.removeAttribute('aria-current');
    }
  }

  /** Refreshes "queued for" of queued tasks, which grows while they wait. */
  tick(now: number): void {
    for (const view of this.views.values()) {
      if (view.row?.state === 'queued') setText(view.queued, formatDuration(queuedFor(view.row, now)));
    }
  }

  /** Moves focus to the first or last row (after a page change). */
  focusRow(which: 'first' | 'last'): void {
    const row = which === 'first' ? this.order[0] : this.order[this.order.length - 1];
    if (row) this.focus(row.key);
  }

  focusKeyRow(key: string): boolean {
    if (!this.views.has(key)) return false;
    this.focus(key);
    return true;
  }

  private focus(key: string): void {
    const view = this.views.get(key);
    if (!view) return;
    const old = this.focusKey ? this.views.get(this.focusKey) : undefined;
    if (old) old.name.tabIndex = -1;
    this.focusKey = key;
    view.name.tabIndex = 0;
    view.name.focus();
  }

  private onKey(event: KeyboardEvent): void {
    const tr = (event.target as Element).closest('tr');
    const key = tr?.dataset.key;
    if (!key) return;
    const index = this.order.findIndex((row) => row.key === key);
    let next: number | undefined;
    switch (event.key) {
      case 'ArrowDown':
        next = index + 1;
        break;
      case 'ArrowUp':
        next = index - 1;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = this.order.length - 1;
        break;
      case 'PageDown':
        this.handlers.page(1);
        event.preventDefault();
        return;
      case 'PageUp':
        this.handlers.page(-1);
        event.preventDefault();
        return;
      default:
        return;
    }
    event.preventDefault();
    const row = this.order[Math.max(0, Math.min(this.order.length - 1, next))];
    if (row) this.focus(row.key);
  }

  private create(key: string): RowView {
    const name = el('button', { type: 'button', class: 'task-link', tabindex: -1 });
    const cell = (column: string) => el('td', { class: `col-${column}` });
    const view: RowView = {
      tr: el('tr', { 'data-key': key }),
      name,
      target: cell('target'),
      status: cell('status'),
      details: cell('details'),
      initiator: cell('initiator'),
      queued: cell('queued'),
      start: cell('start'),
      complete: cell('complete'),
      row: undefined,
      label: '',
      statusShown: '',
    };
    const nameCell = el('th', { scope: 'row', class: 'col-name' }, name);
    view.tr.append(nameCell, view.target, view.status, view.details, view.initiator, view.queued, view.start, view.complete);
    return view;
  }

  private update(view: RowView, row: TaskRow, label: string, now: number): void {
    if (view.row === row && view.label === label) {
      if (row.state === 'queued') setText(view.queued, formatDuration(queuedFor(row, now)));
      return;
    }
    view.row = row;
    view.label = label;
    view.tr.dataset.state = row.state;
    setText(view.name, label);
    view.name.title = label === row.type ? row.type : `${label} (${row.type})`;
    setText(view.target, row.target);
    view.target.title = row.entity;
    const status = statusKey(row);
    if (status !== view.statusShown) {
      view.statusShown = status;
      fill(view.status, statusView(row));
      view.status.title = view.status.textContent ?? '';
    }
    setText(view.details, row.details ?? '');
    view.details.title = row.details ?? '';
    setText(view.initiator, row.initiator);
    view.initiator.title = row.initiator;
    setText(view.queued, formatDuration(queuedFor(row, now)));
    timeCell(view.start, row.startTime, now);
    timeCell(view.complete, row.completeTime, now);
  }
}
