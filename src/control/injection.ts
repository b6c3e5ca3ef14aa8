// Fault and latency injection for test authors: rules say which calls (by method, task key or
// task type) fail with which vim25 fault, how often, and which calls are slowed down. It is the
// call pipeline's hook (src/vim/dispatcher.ts), run after authorization and before the method,
// so an injected fault looks to the client exactly like one the method raised.

import { randomUUID } from 'node:crypto';
import type { CallHook } from '../vim/dispatcher.js';
import type { MethodFault } from '../vim/faults.js';
import type { Arguments, ManagedObject } from '../vim/managed-object.js';
import { Task } from '../vim/Task.js';
import type { FaultJson } from './schemas.js';

export interface FaultRuleSpec {
  readonly method?: string;
  readonly task?: string;
  readonly taskTypeId?: string;
  readonly fault: MethodFault;
  /** As given, for listing. */
  readonly faultJson: FaultJson;
  /** Fail this many matching calls, then the rule is used up (default: every matching call). */
  readonly count?: number;
  /** Fail each matching call with this probability (0..1, default 1). */
  readonly probability?: number;
}

export interface FaultRule extends FaultRuleSpec {
  readonly id: string;
  hits: number;
}

export interface LatencyRuleSpec {
  /** Method name, or undefined for every method. */
  readonly method?: string;
  readonly delayMs: number;
  readonly jitterMs?: number;
}

export interface LatencyRule extends LatencyRuleSpec {
  readonly id: string;
}

export class Injector implements CallHook {
  private faults: FaultRule[] = [];
  private latency: LatencyRule[] = [];
  /** Counts changes (hits included), so a state file is not rewritten when nothing changed. */
  changes = 0;

  constructor(private readonly random: () => number = Math.random) {}

  addFault(spec: FaultRuleSpec): FaultRule {
    const rule: FaultRule = { ...spec, id: randomUUID(), hits: 0 };
    this.faults.push(rule);
    this.changes++;
    return rule;
  }

  addLatency(spec: LatencyRuleSpec): LatencyRule {
    const rule: LatencyRule = { ...spec, id: randomUUID() };
    this.latency.push(rule);
    this.changes++;
    return rule;
  }

  listFaults(): readonly FaultRule[] {
    return this.faults;
  }

  listLatency(): readonly LatencyRule[] {
    return this.latency;
  }

  removeFault(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((r) => r.id !== id);
    this.changes++;
    return this.faults.length !== before;
  }

  removeLatency(id: string): boolean {
    const before = this.latency.length;
    this.latency = this.latency.filter((r) => r.id !== id);
    this.changes++;
    return this.latency.length !== before;
  }

  clearFaults(): void {
    this.faults = [];
    this.changes++;
  }

  clearLatency(): void {
    this.latency = [];
    this.changes++;
  }

  /** Exactly a state document's rules, ids and hit counts included. */
  restore(faults: readonly FaultRule[], latency: readonly LatencyRule[]): void {
    this.faults = faults.map((rule) => ({ ...rule }));
    this.latency = [...latency];
    this.changes++;
  }

  clear(): void {
    this.clearFaults();
    this.clearLatency();
  }

  /** Throws the injected fault if a rule matches this call, after the rules' delay if any. */
  before(method: string, target: ManagedObject, args: Arguments): Promise<void> | undefined {
    if (this.faults.length === 0 && this.latency.length === 0) return undefined;
    const delay = this.delayFor(method);
    if (delay > 0) return new Promise<void>((resolve) => setTimeout(resolve, delay)).then(() => this.raise(method, target, args));
    this.raise(method, target, args);
    return undefined;
  }

  private raise(method: string, target: ManagedObject, args: Arguments): void {
    const fault = this.faultFor(method, target, args);
    if (fault) throw fault;
  }

  private delayFor(method: string): number {
    let total = 0;
    for (const rule of this.latency) {
      if (rule.method !== undefined && rule.method !== method) continue;
      total += rule.delayMs + (rule.jitterMs ? this.random() * rule.jitterMs : 0);
    }
    return total;
  }

  private faultFor(method: string, target: ManagedObject, args: Arguments): MethodFault | undefined {
    const task = target instanceof Task ? target : undefined;
    const taskTypeId = task ? task.info.descriptionId : method === 'CreateTask' && typeof args.taskTypeId === 'string' ? args.taskTypeId : undefined;
    for (const rule of this.faults) {
      if (rule.method !== undefined && rule.method !== method) continue;
      if (rule.task !== undefined && rule.task !== task?.key) continue;
      if (rule.taskTypeId !== undefined && rule.taskTypeId !== taskTypeId) continue;
      if (rule.count !== undefined && rule.hits >= rule.count) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.hits++;
      this.changes++;
      return rule.fault;
    }
    return undefined;
  }
}
