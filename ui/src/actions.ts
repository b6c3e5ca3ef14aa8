// The Actions dialog: what a test author can do from the page through the control API:
// create a task (optionally running a scripted lifecycle), add and remove fault and latency
// rules, and reset the emulator.

import type { Api } from './api.js';
import { byId, el, fill, setText } from './dom.js';
import type { Json, JsonObject } from './protocol.js';

interface FaultRule {
  readonly id: string;
  readonly fault: { readonly type: string; readonly message?: string };
  readonly hits: number;
  readonly method?: string;
  readonly task?: string;
  readonly taskTypeId?: string;
  readonly count?: number;
  readonly probability?: number;
}

interface LatencyRule {
  readonly id: string;
  readonly delayMs: number;
  readonly method?: string;
  readonly jitterMs?: number;
}

function field(form: HTMLFormElement, name: string): string {
  const control = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
  return control?.value.trim() ?? '';
}

function checked(form: HTMLFormElement, name: string): boolean {
  return (form.elements.namedItem(name) as HTMLInputElement | null)?.checked ?? false;
}

/** Sets `out[key]` to the field's number when the field is filled in. */
function numberField(out: JsonObject, form: HTMLFormElement, name: string): void {
  const text = field(form, name);
  if (text !== '') out[name] = Number(text);
}

function optional(out: JsonObject, key: string, value: string): void {
  if (value) out[key] = value;
}

function faultJson(form: HTMLFormElement): Json | undefined {
  const type = field(form, 'faultType');
  if (!type) return undefined;
  const fault: JsonObject = { type };
  optional(fault, 'message', field(form, 'faultMessage'));
  return fault;
}

export class ActionsDialog {
  private readonly dialog = byId<HTMLDialogElement>('actions');
  private readonly message = byId('actions-message');
  private readonly resetButton = byId<HTMLButtonElement>('reset');
  private resetArmed = false;

  constructor(
    private readonly api: Api,
    /** The task types the page knows, to suggest when creating a task. */
    private readonly taskTypes: () => ReadonlyArray<readonly [string, string]>,
  ) {
    byId('open-actions').addEventListener('click', () => this.open());
    byId('actions-close').addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('close', () => {
      byId('open-actions').setAttribute('aria-expanded', 'false');
      this.disarmReset();
    });
    this.onSubmit('create-form', (form) => this.createTask(form));
    this.onSubmit('fault-form', (form) => this.addFaultRule(form));
    this.onSubmit('latency-form', (form) => this.addLatencyRule(form));
    this.resetButton.addEventListener('click', () => void this.reset());
  }

  open(): void {
    const types = byId('task-types');
    fill(types, ...this.taskTypes().map(([id, label]) => el('option', { value: id }, label)));
    setText(this.message, '');
    this.dialog.showModal();
    byId('open-actions').setAttribute('aria-expanded', 'true');
    void this.loadRules();
  }

  private onSubmit(id: string, run: (form: HTMLFormElement) => Promise<string>): void {
    const form = byId<HTMLFormElement>(id);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const button = form.querySelector<HTMLButtonElement>('button[type=submit]');
      if (button) button.disabled = true;
      run(form)
        .then(
          (done) => this.say(done, false),
          (error: Error) => this.say(error.message, true),
        )
        .finally(() => {
          if (button) button.disabled = false;
        });
    });
  }

  private say(text: string, isError: boolean): void {
    this.message.classList.toggle('error', isError);
    setText(this.message, text);
  }

  private async createTask(form: HTMLFormElement): Promise<string> {
    const body: JsonObject = { taskTypeId: field(form, 'taskTypeId'), cancelable: checked(form, 'cancelable') };
    const entity = field(form, 'entity');
    if (entity) {
      const colon = entity.indexOf(':');
      if (colon <= 0 || colon === entity.length - 1) throw new Error('Target must be Type:value, e.g. Folder:group-d1');
      body.entity = { type: entity.slice(0, colon), value: entity.slice(colon + 1) };
    }
    optional(body, 'initiatedBy', field(form, 'initiatedBy'));
    const details = field(form, 'description');
    if (details) body.description = { key: 'vtask.ui.details', message: details };
    const state = field(form, 'state');
    const fault = faultJson(form);
    if (checked(form, 'scripted')) {
      const lifecycle: JsonObject = { outcome: field(form, 'outcome') || 'success' };
      for (const name of ['startAfterMs', 'durationMs', 'progressSteps']) numberField(lifecycle, form, name);
      if (fault && lifecycle.outcome === 'error') lifecycle.fault = fault;
      body.lifecycle = lifecycle;
      if (state === 'running') body.state = 'running';
    } else {
      if (state) body.state = state;
      if (state === 'running') numberField(body, form, 'progress');
      if (state === 'error' && fault) body.fault = fault;
    }
    const task = await this.api.call<{ key: string }>('POST', '/_emulator/tasks', body);
    return `Created ${task.key}.`;
  }

  private async addFaultRule(form: HTMLFormElement): Promise<string> {
    const fault = faultJson(form);
    if (!fault) throw new Error('A fault rule needs a fault type, e.g. NotFound');
    const body: JsonObject = { fault };
    optional(body, 'method', field(form, 'method'));
    optional(body, 'taskTypeId', field(form, 'taskTypeId'));
    optional(body, 'task', field(form, 'task'));
    numberField(body, form, 'count');
    numberField(body, form, 'probability');
    const rule = await this.api.call<FaultRule>('POST', '/_emulator/faults', body);
    await this.loadRules();
    return `Added fault rule ${rule.id}.`;
  }

  private async addLatencyRule(form: HTMLFormElement): Promise<string> {
    const body: JsonObject = {};
    optional(body, 'method', field(form, 'method'));
    numberField(body, form, 'delayMs');
    numberField(body, form, 'jitterMs');
    const rule = await this.api.call<LatencyRule>('POST', '/_emulator/latency', body);
    await this.loadRules();
    return `Added latency rule ${rule.id}.`;
  }

  private async loadRules(): Promise<void> {
    try {
      const [faults, latency] = await Promise.all([
        this.api.call<{ rules: FaultRule[] }>('GET', '/_emulator/faults'),
        this.api.call<{ rules: LatencyRule[] }>('GET', '/_emulator/latency'),
      ]);
      this.showRules(
        'fault-rules',
        faults.rules.map((rule) => [rule.id, faultRuleText(rule)]),
        '/_emulator/faults',
      );
      this.showRules(
        'latency-rules',
        latency.rules.map((rule) => [rule.id, latencyRuleText(rule)]),
        '/_emulator/latency',
      );
    } catch (error) {
      this.say(`Could not read the rules: ${(error as Error).message}`, true);
    }
  }

  private showRules(listId: string, rules: ReadonlyArray<readonly [string, string]>, path: string): void {
    const list = byId(listId);
    if (!rules.length) {
      fill(list, el('li', { class: 'none' }, 'None'));
      return;
    }
    fill(
      list,
      ...rules.map(([id, text]) => {
        const remove = el('button', { type: 'button', 'aria-label': `Remove rule ${id}: ${text}` }, 'Remove');
        remove.addEventListener('click', () => {
          remove.disabled = true;
          this.api.call('DELETE', `${path}/${encodeURIComponent(id)}`).then(
            () => {
              this.say(`Removed rule ${id}.`, false);
              return this.loadRules();
            },
            (error: Error) => {
              remove.disabled = false;
              this.say(error.message, true);
            },
          );
        });
        return el('li', {}, el('span', { class: 'rule-text' }, text), ' ', remove);
      }),
    );
  }

  private async reset(): Promise<void> {
    if (!this.resetArmed) {
      this.resetArmed = true;
      setText(this.resetButton, 'Confirm reset: forget every task and rule');
      this.resetButton.classList.add('armed');
      return;
    }
    this.disarmReset();
    try {
      await this.api.call('POST', '/_emulator/reset');
      await this.loadRules();
      this.say('The emulator was reset.', false);
    } catch (error) {
      this.say((error as Error).message, true);
    }
  }

  private disarmReset(): void {
    this.resetArmed = false;
    this.resetButton.classList.remove('armed');
    setText(this.resetButton, 'Reset the emulator…');
  }
}

function faultRuleText(rule: FaultRule): string {
  const parts = [`${rule.fault.type}${rule.fault.message ? ` (“${rule.fault.message}”)` : ''}`, `on ${rule.method ?? 'any method'}`];
  if (rule.taskTypeId) parts.push(`for task type ${rule.taskTypeId}`);
  if (rule.task) parts.push(`for ${rule.task}`);
  if (rule.count !== undefined) parts.push(`${rule.count} times`);
  if (rule.probability !== undefined) parts.push(`with probability ${rule.probability}`);
  parts.push(`· ${rule.hits} hits`);
  return parts.join(' ');
}

function latencyRuleText(rule: LatencyRule): string {
  return `${rule.delayMs} ms${rule.jitterMs ? ` ± ${rule.jitterMs} ms` : ''} on ${rule.method ?? 'any method'}`;
}
