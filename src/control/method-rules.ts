// Method rules: how the tasks of *_Task methods run, as test authors script them. A rule selects
// calls by method, entity (reference value or inventory path), entity type and the how-many-th
// matching call it is, and gives the task's plan (queue time, duration, progress steps, outcome).
// The first rule that selects a call decides; calls no rule selects run the default plan.

import { randomUUID } from 'node:crypto';
import type { ManagedEntity } from '../vim/entity.js';
import type { MethodCall, MethodTaskPlan, PlanSource } from '../vim/method-tasks.js';
import type { MethodRuleJson } from './schemas.js';

export interface MethodRuleSpec {
  readonly method?: string | undefined;
  /** A reference value ("vm-17") or an inventory path ("/DC0/vm/web-01"). */
  readonly entity?: string | undefined;
  readonly entityType?: string | undefined;
  /** Only the n-th call the selectors match (1 = the first). */
  readonly call?: number | undefined;
  /** Used up after this many tasks. */
  readonly count?: number | undefined;
  readonly plan: MethodTaskPlan;
  /** As given, for listing. */
  readonly json: MethodRuleJson;
}

export interface MethodRule extends MethodRuleSpec {
  readonly id: string;
  /** Calls the selectors matched. */
  seen: number;
  /** Tasks the rule decided. */
  hits: number;
}

export class MethodRules implements PlanSource {
  private rules: MethodRule[] = [];
  /** Grows with every change a state document would show (rules added, removed, counted). */
  changes = 0;

  constructor(private readonly pathOf: (entity: ManagedEntity) => string) {}

  add(spec: MethodRuleSpec): MethodRule {
    const rule: MethodRule = { ...spec, id: randomUUID(), seen: 0, hits: 0 };
    this.rules.push(rule);
    this.changes++;
    return rule;
  }

  /** Replaces every rule with saved ones, ids and counters included (a state restore). */
  restore(rules: readonly MethodRule[]): void {
    this.rules = rules.map((rule) => ({ ...rule }));
    this.changes++;
  }

  list(): readonly MethodRule[] {
    return this.rules;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    this.changes++;
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
    this.changes++;
  }

  planFor(call: MethodCall): MethodTaskPlan | undefined {
    if (this.rules.length === 0) return undefined;
    let path: string | undefined;
    for (const rule of this.rules) {
      if (rule.method !== undefined && rule.method !== call.method) continue;
      if (rule.entityType !== undefined && !call.target.isA(rule.entityType)) continue;
      if (rule.entity !== undefined) {
        if (rule.entity.startsWith('/')) {
          path ??= this.pathOf(call.entity);
          if (rule.entity !== path) continue;
        } else if (rule.entity !== call.target.ref.value && rule.entity !== call.entity.ref.value) {
          continue;
        }
      }
      rule.seen++;
      this.changes++;
      if (rule.call !== undefined && rule.seen !== rule.call) continue;
      if (rule.count !== undefined && rule.hits >= rule.count) continue;
      rule.hits++;
      return rule.plan;
    }
    return undefined;
  }
}
