// A task's detail view: its facts, parent and children, result or fault, and its whole history
// as a timeline (from GET /_emulator/tasks/{key}/history). The list's rows say when the task
// changed; the view then fetches again, at most a few times a second.

import { ApiError, taskPath, type Api } from './api.js';
import { byId, el, fill, setText } from './dom.js';
import { formatDuration, formatTime, isTerminal, queuedFor, valueText } from './format.js';
import type { HistoryAnswer, HistoryEntry, Json, JsonObject, TaskRow } from './protocol.js';
import { statusView } from './status.js';
import type { TaskStore } from './store.js';
import { renderValue } from './values.js';

const MIN_REFRESH_MS = 250;

export interface DetailHandlers {
  close(): void;
  open(key: string): void;
  cancel(key: string): Promise<void>;
}

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 });

export class DetailView {
  private readonly root = byId('detail');
  private readonly title = byId('detail-title');
  private readonly body = byId('detail-body');
  private readonly cancelButton = byId<HTMLButtonElement>('detail-cancel');
  private readonly message = byId('detail-message');
  private key: string | undefined;
  private inFlight = false;
  private again = false;
  private lastFetch = 0;
  private timer: number | undefined;
  private shown = '';

  constructor(
    private readonly api: Api,
    private readonly store: TaskStore,
    private readonly handlers: DetailHandlers,
  ) {
    byId('detail-close').addEventListener('click', () => this.handlers.close());
    this.root.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.handlers.close();
    });
    this.cancelButton.addEventListener('click', () => {
      if (!this.key) return;
      this.cancelButton.disabled = true;
      this.handlers.cancel(this.key).then(
        () => setText(this.message, ''),
        (error: Error) => {
          setText(this.message, `Cancel failed: ${error.message}`);
          this.cancelButton.disabled = false;
        },
      );
    });
  }

  get openKey(): string | undefined {
    return this.key;
  }

  show(key: string): void {
    if (this.key !== key) {
      this.key = key;
      this.shown = '';
      fill(this.body, el('p', { class: 'loading' }, 'Loading…'));
      setText(this.message, '');
    }
    this.root.hidden = false;
    this.updateHead();
    this.refresh();
  }

  hide(): void {
    this.key = undefined;
    this.root.hidden = true;
    clearTimeout(this.timer);
  }

  focus(): void {
    byId('detail-close').focus();
  }

  /** The list changed: refresh if the open task (or one of its children) is among the changes. */
  changed(keys: ReadonlySet<string>, structural: boolean): void {
    if (!this.key) return;
    this.updateHead();
    if (keys.has(this.key) || structural) this.refresh();
  }

  private updateHead(): void {
    const row = this.key ? this.store.get(this.key) : undefined;
    setText(this.title, row ? this.store.label(row) : (this.key ?? ''));
    const cancelable = !!row && row.cancelable && !isTerminal(row) && !row.cancelled;
    this.cancelButton.hidden = !cancelable;
    if (cancelable) this.cancelButton.disabled = false;
  }

  private refresh(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    const wait = this.lastFetch + MIN_REFRESH_MS - performance.now();
    if (wait > 0) {
      if (this.timer === undefined)
        this.timer = window.setTimeout(() => {
          this.timer = undefined;
          this.refresh();
        }, wait);
      return;
    }
    void this.load();
  }

  private async load(): Promise<void> {
    const key = this.key;
    if (!key) return;
    this.inFlight = true;
    this.lastFetch = performance.now();
    try {
      const [info, history] = await Promise.all([
        this.api.call<JsonObject>('GET', taskPath(key)),
        this.api.call<HistoryAnswer>('GET', `${taskPath(key)}/history`),
      ]);
      if (key === this.key) this.render(key, info, history.history);
    } catch (error) {
      if (key === this.key) {
        const gone = error instanceof ApiError && error.status === 404;
        fill(this.body, el('p', { class: 'notice' }, gone ? 'The server no longer holds this task.' : `Could not load the task: ${(error as Error).message}`));
        this.shown = '';
        this.cancelButton.hidden = true;
      }
    } finally {
      this.inFlight = false;
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    }
  }

  private render(key: string, info: JsonObject, history: readonly HistoryEntry[]): void {
    const row = this.store.get(key);
    const children = this.store.children(key);
    const fingerprint = JSON.stringify([
      info,
      history.length,
      history[history.length - 1],
      row && this.store.label(row),
      children.map((c) => [c.key, c.state]),
    ]);
    if (fingerprint === this.shown) return;
    this.shown = fingerprint;
    fill(this.body, this.facts(key, info, row, children), this.outcome(info), this.timeline(history));
  }

  private facts(key: string, info: JsonObject, row: TaskRow | undefined, children: readonly TaskRow[]): HTMLElement {
    const items: Array<[string, Node | string]> = [];
    const text = (value: Json | undefined) => valueText(value);
    if (row) items.push(['Status', statusView(row)]);
    items.push(['Key', key], ['Task type', text(info.descriptionId)]);
    items.push(['Target', `${text(info.entityName)}${info.entity ? ` (${text(info.entity)})` : ''}`]);
    if (row) items.push(['Initiator', row.initiator]);
    items.push(['Queued', formatTime(text(info.queueTime))]);
    if (info.startTime) items.push(['Started', formatTime(text(info.startTime))]);
    if (info.completeTime) items.push(['Completed', formatTime(text(info.completeTime))]);
    if (row) items.push(['Queued for', formatDuration(queuedFor(row, this.store.now()))]);
    if (info.description) items.push(['Details', text(info.description)]);
    items.push(['Cancelable', info.cancelable === true ? 'yes' : 'no']);
    if (info.cancelled === true) items.push(['Cancel requested', 'yes']);
    if (info.eventChainId !== undefined) items.push(['Event chain', text(info.eventChainId)]);
    if (info.activationId) items.push(['Activation', text(info.activationId)]);
    if (typeof info.parentTaskKey === 'string') items.push(['Parent task', this.taskButton(info.parentTaskKey)]);
    if (typeof info.rootTaskKey === 'string' && info.rootTaskKey !== info.parentTaskKey) items.push(['Root task', this.taskButton(info.rootTaskKey)]);
    if (children.length) {
      items.push([
        'Child tasks',
        el('ul', { class: 'children' }, ...children.map((child) => el('li', {}, this.taskButton(child.key), ' ', statusView(child)))),
      ]);
    }
    return el('dl', { class: 'facts' }, ...items.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
  }

  private taskButton(key: string): HTMLButtonElement {
    const row = this.store.get(key);
    const button = el('button', { type: 'button', class: 'link' }, row ? `${this.store.label(row)} (${key})` : key);
    button.addEventListener('click', () => this.handlers.open(key));
    return button;
  }

  private outcome(info: JsonObject): HTMLElement | null {
    if (info.error !== undefined)
      return el('section', { class: 'outcome outcome-error', 'aria-label': 'Fault' }, el('h3', {}, 'Fault'), renderValue(info.error));
    if (info.result !== undefined) return el('section', { class: 'outcome', 'aria-label': 'Result' }, el('h3', {}, 'Result'), renderValue(info.result));
    return null;
  }

  private timeline(history: readonly HistoryEntry[]): HTMLElement {
    return el(
      'section',
      { class: 'history', 'aria-label': 'History' },
      el('h3', {}, 'History ', el('span', { class: 'count' }, `(${history.length} ${history.length === 1 ? 'change' : 'changes'})`)),
      el('ol', { class: 'timeline' }, ...history.map((entry) => this.entry(entry))),
    );
  }

  private entry(entry: HistoryEntry): HTMLElement {
    const at = Date.parse(entry.time);
    const fields = Object.entries(entry.changes);
    return el(
      'li',
      {},
      el(
        'p',
        { class: 'entry-head' },
        el('time', { datetime: entry.time, title: entry.time }, Number.isNaN(at) ? entry.time : timeOfDay.format(at)),
        ' ',
        el('span', { class: 'method' }, entry.method),
        entry.user ? el('span', { class: 'user' }, ` by ${entry.user}`) : null,
      ),
      el(
        'table',
        { class: 'changes' },
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Field'), el('th', { scope: 'col' }, 'Old'), el('th', { scope: 'col' }, 'New'))),
        el(
          'tbody',
          {},
          ...fields.map(([field, change]) =>
            el(
              'tr',
              {},
              el('th', { scope: 'row' }, field),
              el('td', { class: 'old' }, valueText(change.old) || '—'),
              el('td', { class: 'new' }, valueText(change.new) || '—'),
            ),
          ),
        ),
      ),
    );
  }
}
