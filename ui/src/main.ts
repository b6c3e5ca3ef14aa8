// The Recent Tasks page: wires the live feed, the task store, the list, the detail view, the
// filters in the URL, the token prompt and the Actions dialog.

import { ActionsDialog } from './actions.js';
import { Api } from './api.js';
import { DetailView } from './detail.js';
import { byId, el, fill, setText } from './dom.js';
import { readView, sameFilters, viewSearch, matcher, STATE_FILTERS, type View } from './filters.js';
import { statusOf } from './format.js';
import type { TaskRow } from './protocol.js';
import { TaskStore } from './store.js';
import { LiveStream, type StreamState } from './stream.js';
import { PAGE_SIZE, TaskTable } from './table.js';

/** sessionStorage: kept for this tab only, gone when it closes; never put in a URL. */
const TOKEN_KEY = 'vtask-emulator.control-token';

const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

const main = byId('main');
const connection = byId('connection');
const tokenForm = byId<HTMLFormElement>('token-form');
const tokenInput = byId<HTMLInputElement>('token-input');
const tokenError = byId('token-error');
const filterForm = byId<HTMLFormElement>('filters');
const stateSelect = byId<HTMLSelectElement>('filter-state');
const userSelect = byId<HTMLSelectElement>('filter-user');
const typeSelect = byId<HTMLSelectElement>('filter-type');
const searchInput = byId<HTMLInputElement>('filter-q');
const count = byId('count');
const empty = byId('empty');
const pageInfo = byId('page-info');
const newer = byId<HTMLButtonElement>('page-newer');
const older = byId<HTMLButtonElement>('page-older');
const announcer = byId('announcer');

const store = new TaskStore();
let view: View = readView(location.search);
let page = 0;
let frameRequested = false;

const api = new Api(token.get, () => unauthorized());
const table = new TaskTable(byId<HTMLTableSectionElement>('task-rows'), { open: openTask, page: (step) => turnPage(step, true) });
const detail = new DetailView(api, store, { close: closeDetail, open: openTask, cancel: cancelTask });
new ActionsDialog(api, () => knownTypes());
const stream = new LiveStream(
  {
    snapshot(snapshot) {
      store.queueSnapshot(snapshot);
      requestFrame();
    },
    delta(delta) {
      store.queueDelta(delta);
      requestFrame();
    },
    state: showState,
  },
  token.get,
);

// ---- frames --------------------------------------------------------------------------------

function requestFrame(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(frame);
}

function frame(): void {
  frameRequested = false;
  const applied = store.applyPending();
  if (applied.completed.length) queueAnnouncement(applied.completed);
  if (applied.structural) updateFilterOptions();
  render();
  if (applied.changed) detail.changed(affectingDetail(applied.updated), applied.structural);
}

/** The updated keys, plus the open task's key when one of its children changed. */
function affectingDetail(updated: ReadonlySet<string>): ReadonlySet<string> {
  const open = detail.openKey;
  if (!open || updated.has(open)) return updated;
  for (const key of updated) if (store.get(key)?.parent === open) return new Set([...updated, open]);
  return updated;
}

function render(): void {
  if (!store.ready) {
    table.render([], (row) => row.type, 0, undefined);
    setText(count, '');
    empty.hidden = true;
    return;
  }
  const label = (row: TaskRow) => store.label(row);
  const rows = store.all().filter(matcher(view, label));
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  page = Math.min(page, pages - 1);
  const first = page * PAGE_SIZE;
  const shown = rows.slice(first, first + PAGE_SIZE);
  table.render(shown, label, store.now(), view.task || undefined);
  const filtered = rows.length !== store.size;
  setText(count, filtered ? `${rows.length.toLocaleString()} of ${store.size.toLocaleString()}` : store.size.toLocaleString());
  empty.hidden = rows.length > 0;
  setText(empty, store.size ? 'No task matches the filters.' : 'No tasks yet: create one over SOAP, or from Actions.');
  setText(pageInfo, rows.length ? `${(first + 1).toLocaleString()}–${(first + shown.length).toLocaleString()} of ${rows.length.toLocaleString()}` : '');
  newer.disabled = page === 0;
  older.disabled = page >= pages - 1;
  byId('pager').hidden = pages <= 1;
}

function turnPage(step: number, focus: boolean): void {
  const before = page;
  page = Math.max(0, page + step);
  render();
  if (focus && page !== before) table.focusRow('first');
}

newer.addEventListener('click', () => turnPage(-1, false));
older.addEventListener('click', () => turnPage(1, false));
setInterval(() => table.tick(store.now()), 1000);

// ---- filters and the URL -------------------------------------------------------------------

function setView(next: View): void {
  if (!sameFilters(view, next)) page = 0;
  view = next;
  const search = viewSearch(view);
  if (search !== location.search) history.replaceState(null, '', `${location.pathname}${search}`);
  requestFrame();
}

function option(value: string, text: string): HTMLOptionElement {
  return el('option', { value }, text);
}

/** Rebuilds a select's options when they differ, keeping the chosen value even if now absent. */
function setOptions(select: HTMLSelectElement, anyText: string, options: ReadonlyArray<readonly [string, string]>, chosen: string): void {
  const all = [...options];
  if (chosen && !all.some(([value]) => value === chosen)) all.push([chosen, chosen]);
  const signature = JSON.stringify(all);
  if (select.dataset.signature !== signature) {
    select.dataset.signature = signature;
    fill(select, option('', anyText), ...all.map(([value, text]) => option(value, text)));
  }
  select.value = chosen;
}

function knownTypes(): Array<[string, string]> {
  const types = new Map<string, string>();
  for (const row of store.all()) if (!types.has(row.type)) types.set(row.type, store.label(row));
  return [...types].sort((a, b) => a[1].localeCompare(b[1]));
}

function updateFilterOptions(): void {
  const users = [...new Set(store.all().map((row) => row.initiator))].filter(Boolean).sort((a, b) => a.localeCompare(b));
  setOptions(
    userSelect,
    'All users',
    users.map((user) => [user, user]),
    view.user,
  );
  setOptions(typeSelect, 'All task types', knownTypes(), view.type);
}

function syncFilterControls(): void {
  stateSelect.value = view.state;
  searchInput.value = view.q;
  updateFilterOptions();
}

fill(
  stateSelect,
  option('', 'All states'),
  ...STATE_FILTERS.map((state) => option(state, { queued: 'Queued', running: 'Running', success: 'Completed', error: 'Failed', canceled: 'Canceled' }[state])),
);
syncFilterControls();

let searchTimer: number | undefined;
filterForm.addEventListener('input', (event) => {
  if (event.target === searchInput) {
    clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => setView({ ...view, q: searchInput.value }), 150);
    return;
  }
  setView({ ...view, state: stateSelect.value as View['state'], user: userSelect.value, type: typeSelect.value });
});
filterForm.addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(searchTimer);
  setView({ ...view, q: searchInput.value });
});
filterForm.addEventListener('reset', (event) => {
  event.preventDefault();
  setView({ ...view, state: '', user: '', type: '', q: '' });
  syncFilterControls();
});
window.addEventListener('popstate', () => {
  view = readView(location.search);
  syncFilterControls();
  if (view.task) detail.show(view.task);
  else detail.hide();
  requestFrame();
});
document.addEventListener('keydown', (event) => {
  const typing = (event.target as Element).closest('input, select, textarea, dialog');
  if (event.key === '/' && !typing) {
    event.preventDefault();
    searchInput.focus();
  } else if (event.key === 'Escape' && view.task && !typing) {
    closeDetail();
  }
});

// ---- the detail view -----------------------------------------------------------------------

function openTask(key: string): void {
  setView({ ...view, task: key });
  detail.show(key);
  detail.focus();
}

function closeDetail(): void {
  const key = view.task;
  detail.hide();
  setView({ ...view, task: '' });
  if (key) requestAnimationFrame(() => table.focusKeyRow(key));
}

async function cancelTask(key: string): Promise<void> {
  await api.call('POST', `/ui/api/tasks/${encodeURIComponent(key)}/cancel`);
}

// ---- completions, announced ----------------------------------------------------------------

/** Completions waiting to be announced; announcements are at most one a second. */
let waiting: TaskRow[] = [];
let cooling = false;

function queueAnnouncement(rows: readonly TaskRow[]): void {
  // A few rows are enough to say what happened; the rest are only counted.
  for (const row of rows) if (waiting.length < 1000) waiting.push(row);
  if (!cooling) announce();
}

function outcome(row: TaskRow): string {
  const status = statusOf(row);
  if (status === 'canceled') return 'was canceled';
  if (status === 'error') return `failed${row.fault ? `: ${row.fault.type}${row.fault.message ? `, ${row.fault.message}` : ''}` : ''}`;
  return 'completed';
}

function announce(): void {
  if (!waiting.length) {
    cooling = false;
    return;
  }
  const rows = waiting;
  waiting = [];
  if (rows.length === 1) {
    const row = rows[0];
    setText(announcer, `${store.label(row)} on ${row.target} ${outcome(row)}.`);
  } else {
    const counts = { success: 0, error: 0, canceled: 0 };
    for (const row of rows) {
      const status = statusOf(row);
      counts[status === 'canceled' ? 'canceled' : status === 'error' ? 'error' : 'success']++;
    }
    const parts = [
      counts.success && `${counts.success} completed`,
      counts.error && `${counts.error} failed`,
      counts.canceled && `${counts.canceled} canceled`,
    ].filter(Boolean);
    setText(announcer, `${rows.length} tasks finished: ${parts.join(', ')}.`);
  }
  cooling = true;
  setTimeout(announce, 1000);
}

// ---- the feed and the token ----------------------------------------------------------------

function showState(state: StreamState): void {
  connection.dataset.state = state.kind;
  switch (state.kind) {
    case 'connecting':
      setText(connection, 'Connecting…');
      break;
    case 'live':
      setText(connection, 'Live');
      tokenForm.hidden = true;
      main.hidden = false;
      if (view.task && detail.openKey !== view.task) detail.show(view.task);
      break;
    case 'retrying':
      setText(connection, 'Reconnecting…');
      break;
    case 'busy':
      setText(connection, `Not connected: ${state.message}`);
      break;
    case 'unauthorized':
      unauthorized();
      break;
  }
}

/** Without the right token the page shows nothing but the prompt. */
function unauthorized(): void {
  const refused = token.get() !== null;
  token.clear();
  stream.stop();
  store.clear();
  detail.hide();
  render();
  main.hidden = true;
  tokenForm.hidden = false;
  connection.dataset.state = 'unauthorized';
  setText(connection, 'Token required');
  setText(tokenError, refused ? 'The server refused that token.' : '');
  tokenInput.value = '';
  tokenInput.focus();
}

tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const value = tokenInput.value;
  if (!value) return;
  token.set(value);
  tokenInput.value = '';
  tokenForm.hidden = true;
  stream.restart();
});

stream.restart();
