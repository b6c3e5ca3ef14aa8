// TaskStreams without a server: what each page is sent, when, and what a page that falls
// behind gets instead of the deltas it could not take.

import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { TaskStreams, type StreamLimits, type StreamSource } from '../../src/server/task-stream.js';

/** Just what TaskStreams uses of a ServerResponse; `queued` stands for unsent bytes. */
class FakeResponse extends EventEmitter {
  readonly chunks: string[] = [];
  status = 0;
  queued = 0;
  ended = false;
  get writableLength(): number {
    return this.queued;
  }
  writeHead(status: number): this {
    this.status = status;
    return this;
  }
  /** When set, writes queue their bytes as a slow socket would. */
  slow = false;
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    if (this.slow) this.queued += chunk.length;
    return !this.slow;
  }
  end(): void {
    this.ended = true;
    this.emit('close');
  }
  events(): Array<{ event: string; data: Record<string, unknown> }> {
    return this.chunks
      .filter((c) => c.startsWith('event: '))
      .map((c) => ({ event: /^event: (.*)$/m.exec(c)![1], data: JSON.parse(/^data: (.*)$/m.exec(c)![1]) as Record<string, unknown> }));
  }
}

class FakeSource implements StreamSource {
  readonly rowsByKey = new Map<string, { key: string; n: number }>();
  labelMap: Record<string, string> = {};
  subscribed = 0;
  private taskChanged: ((key: string) => void) | undefined;
  private labelsChanged: (() => void) | undefined;

  row(key: string): unknown {
    return this.rowsByKey.get(key);
  }
  rows(): unknown[] {
    return [...this.rowsByKey.values()];
  }
  labels(): Record<string, string> {
    return this.labelMap;
  }
  subscribe(taskChanged: (key: string) => void, labelsChanged: () => void): () => void {
    this.subscribed++;
    this.taskChanged = taskChanged;
    this.labelsChanged = labelsChanged;
    return () => {
      this.subscribed--;
      this.taskChanged = this.labelsChanged = undefined;
    };
  }
  set(key: string, n: number): void {
    this.rowsByKey.set(key, { key, n });
    this.taskChanged?.(key);
  }
  remove(key: string): void {
    this.rowsByKey.delete(key);
    this.taskChanged?.(key);
  }
  relabel(labels: Record<string, string>): void {
    this.labelMap = labels;
    this.labelsChanged?.();
  }
}

const LIMITS: StreamLimits = { maxStreams: 3, intervalMs: 100, heartbeatMs: 15_000, maxQueuedBytes: 1000 };

let source: FakeSource;
let streams: TaskStreams;

function open(): FakeResponse {
  const response = new FakeResponse();
  expect(streams.open(response as unknown as ServerResponse)).toBe(true);
  return response;
}

beforeEach(() => {
  vi.useFakeTimers();
  source = new FakeSource();
  streams = new TaskStreams(source, LIMITS);
});
afterEach(() => {
  streams.close();
  vi.useRealTimers();
});

describe('TaskStreams', () => {
  test('a page gets a snapshot at the next tick, then one delta per tick with each changed task once', async () => {
    source.set('task-1', 0);
    const page = open();
    expect(page.status).toBe(200);
    expect(page.chunks[0]).toBe(': connected\n\n');
    await vi.advanceTimersByTimeAsync(0);
    expect(page.events()).toEqual([{ event: 'snapshot', data: expect.objectContaining({ tasks: [{ key: 'task-1', n: 0 }], labels: {} }) }]);

    for (let n = 1; n <= 50; n++) source.set('task-1', n);
    source.set('task-2', 1);
    await vi.advanceTimersByTimeAsync(99);
    expect(page.events()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const delta = page.events()[1];
    expect(delta.event).toBe('delta');
    expect(delta.data.upsert).toEqual([
      { key: 'task-1', n: 50 },
      { key: 'task-2', n: 1 },
    ]);
    expect(delta.data.remove).toEqual([]);
    expect(delta.data.labels).toBeUndefined();

    source.remove('task-2');
    source.relabel({ 'com.example.t': 'T' });
    await vi.advanceTimersByTimeAsync(100);
    expect(page.events()[2].data).toMatchObject({ upsert: [], remove: ['task-2'], labels: { 'com.example.t': 'T' } });
    // Nothing changed: nothing is sent.
    await vi.advanceTimersByTimeAsync(1000);
    expect(page.events()).toHaveLength(3);
  });

  test('ticks are at least the interval apart however the changes come', async () => {
    const page = open();
    const at: number[] = [];
    const write = page.write.bind(page);
    page.write = (chunk: string) => {
      if (chunk.startsWith('event: ')) at.push(Date.now());
      return write(chunk);
    };
    for (let ms = 0; ms < 1000; ms += 7) {
      source.set('task-1', ms);
      await vi.advanceTimersByTimeAsync(7);
    }
    expect(at.length).toBeGreaterThan(5);
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(LIMITS.intervalMs);
  });

  test('a page that falls behind is skipped, and gets a fresh snapshot once its socket drains', async () => {
    const slow = open();
    const fast = open();
    await vi.advanceTimersByTimeAsync(0);
    slow.queued = 5000;
    source.set('task-1', 1);
    await vi.advanceTimersByTimeAsync(100);
    source.set('task-2', 2);
    await vi.advanceTimersByTimeAsync(100);
    expect(fast.events().map((e) => e.event)).toEqual(['snapshot', 'delta', 'delta']);
    expect(slow.events().map((e) => e.event)).toEqual(['snapshot']);
    slow.queued = 0;
    slow.emit('drain');
    await vi.advanceTimersByTimeAsync(100);
    const caughtUp = slow.events();
    expect(caughtUp.map((e) => e.event)).toEqual(['snapshot', 'snapshot']);
    expect(caughtUp[1].data.tasks).toEqual([
      { key: 'task-1', n: 1 },
      { key: 'task-2', n: 2 },
    ]);
    expect(fast.events()).toHaveLength(3);
  });

  test('a snapshot larger than the allowance is not falling behind: deltas follow it until the socket drains', async () => {
    for (let i = 0; i < 100; i++) source.rowsByKey.set(`task-${i}`, { key: `task-${i}`, n: i });
    const page = new FakeResponse();
    page.slow = true;
    expect(streams.open(page as unknown as ServerResponse)).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(page.queued).toBeGreaterThan(LIMITS.maxQueuedBytes);
    for (let n = 1; n <= 3; n++) {
      source.set('task-1', 1000 + n);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(page.events().map((e) => e.event)).toEqual(['snapshot', 'delta', 'delta', 'delta']);
    // Drained: what is queued from now on counts in full.
    page.queued = 0;
    page.emit('drain');
    page.queued = LIMITS.maxQueuedBytes + 1;
    source.set('task-1', 2000);
    await vi.advanceTimersByTimeAsync(100);
    expect(page.events()).toHaveLength(4);
  });

  test('the cap refuses the next page; changes are heard only while a page is open', async () => {
    expect(source.subscribed).toBe(0);
    const pages = [open(), open(), open()];
    expect(source.subscribed).toBe(1);
    expect(streams.open(new FakeResponse() as unknown as ServerResponse)).toBe(false);
    expect(streams.size).toBe(3);
    pages[0].emit('close');
    expect(streams.size).toBe(2);
    open();
    for (const page of [pages[1], pages[2]]) page.emit('close');
    expect(source.subscribed).toBe(1);
    streams.close();
    expect(source.subscribed).toBe(0);
    expect(streams.open(new FakeResponse() as unknown as ServerResponse)).toBe(false);
  });

  test('idle pages get a comment line every heartbeat', async () => {
    const page = open();
    await vi.advanceTimersByTimeAsync(LIMITS.heartbeatMs);
    expect(page.chunks.at(-1)).toBe(': \n\n');
  });
});
