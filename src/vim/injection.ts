// Fault and latency injection for test authors: rules say which calls (by method, task key or
// task type) fail with which vim25 fault, how often, and which calls are slowed down. The
// dispatcher consults this after authorization and before the method runs, so an injected
// fault looks to the client exactly like one the method raised.

import { randomUUID } from 'node:crypto';
import type { Arguments, ManagedObject } from './managed-object.js';
import type { MethodFault } from './faults.js';
import type { Json } from './json-values.js';
import type { Task } from './Task.js';

export interface FaultRuleSpec {
  readonly method?: string;
  readonly task?: string;
  readonly taskTypeId?: string;
  readonly fault: MethodFault;
  /** As given, for listing. */
  readonly faultJson: Json;
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

export class Injector {
  private faults: FaultRule[] = [];
  private latency: LatencyRule[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  /** Quick check so calls pay nothing when no rule exists. */
  get active(): boolean {
    return this.faults.length > 0 || this.latency.length > 0;
  }

  addFault(spec: FaultRuleSpec): FaultRule {
    const rule: FaultRule = { ...spec, id: randomUUID(), hits: 0 };
    this.faults.push(rule);
    return rule;
  }

  addLatency(spec: LatencyRuleSpec): LatencyRule {
    const rule: LatencyRule = { ...spec, id: randomUUID() };
    this.latency.push(rule);
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
    return this.faults.length !== before;
  }

  removeLatency(id: string): boolean {
    const before = this.latency.length;
    this.latency = this.latency.filter((r) => r.id !== id);
    return this.latency.length !== before;
  }

  clearFaults(): void {
    this.faults = [];
  }

  clearLatency(): void {
    this.latency = [];
  }

  clear(): void {
    this.clearFaults();
    this.clearLatency();
  }

  /** Delays, then throws the injected fault if a rule matches this call. */
  async before(method: string, target: ManagedObject, args: Arguments): Promise<void> {
    const delay = this.delayFor(method);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
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
    const task = target.isA('Task') ? (target as Task) : undefined;
    const taskTypeId = task ? (task.info.descriptionId as string) : method === 'CreateTask' ? (args.taskTypeId as string) : undefined;
    for (const rule of this.faults) {
      if (rule.method !== undefined && rule.method !== method) continue;
      if (rule.task !== undefined && rule.task !== task?.key) continue;
      if (rule.taskTypeId !== undefined && rule.taskTypeId !== taskTypeId) continue;
      if (rule.count !== undefined && rule.hits >= rule.count) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.hits++;
      return rule.fault;
    }
    return undefined;
  }
}
