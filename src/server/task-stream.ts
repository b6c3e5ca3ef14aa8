// The Recent Tasks page's live feed: every open page holds one text/event-stream response, and
// all of them are fed from one place. Task changes are only noted as they happen (one Set.add,
// whatever the number of pages); at most every `intervalMs` a tick turns the noted keys into
// one message, serialized once and written to every page. So each page gets at most one event
// per interval, hence at most one per task, and a busy server pays per tick, not per change.
//
// A page first gets a snapshot (every task and label), then deltas. A page that reconnects, or
// whose socket falls behind, simply gets a fresh snapshot at a later tick: its state then
// matches the server's again, with no per-page history of what it missed.

import type { ServerResponse } from 'node:http';

/** What the streams read: rows are opaque JSON to this module (see ui.ts for their shape). */
export interface StreamSource {
  /** The task's current row, or undefined once the server no longer holds it. */
  row(key: string): unknown;
  rows(): unknown[];
  labels(): Readonly<Record<string, string>>;
  /** Starts reporting changes; returns the function that stops it. */
  subscribe(taskChanged: (key: string) => void, labelsChanged: () => void): () => void;
}

export interface StreamLimits {
  /** Open streams allowed at once; the next one is refused (HTTP 503). */
  readonly maxStreams: number;
  /** Least time between two ticks (two events on one stream). */
  readonly intervalMs: number;
  /** A comment line this often keeps idle connections (and proxies) from timing out. */
  readonly heartbeatMs: number;
  /**
   * Bytes a stream may have queued unsent, besides a snapshot still on its way, before it stops
   * getting deltas; once its socket drains it gets a fresh snapshot instead of what it skipped.
   */
  readonly maxQueuedBytes: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxStreams: 200,
  intervalMs: 100,
  heartbeatMs: 15_000,
  maxQueuedBytes: 1024 * 1024,
};

/** One open page: its response and whether its next message must be a snapshot. */
interface Stream {
  readonly response: ServerResponse;
  needsSnapshot: boolean;
  waitingForDrain: boolean;
  /**
   * The size of the snapshot last written, until the socket has drained: a snapshot of many
   * tasks may be larger than maxQueuedBytes, and sending it must not count as falling behind.
   */
  snapshotBytes: number;
}

function frame(event: string, data: unknown): string {
  // JSON.stringify never emits a raw newline, so the data fits one `data:` line.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class TaskStreams {
  private readonly streams = new Set<Stream>();
  /** Keys of tasks changed or removed since the last tick (only noted while a page is open). */
  private readonly changed = new Set<string>();
  private labelsChanged = false;
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastTick = -Infinity;
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly source: StreamSource,
    private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  /**
   * Starts streaming to a response whose headers are not yet written. Returns false (and
   * writes nothing) when the cap is reached or the feed is closed.
   */
  open(response: ServerResponse): boolean {
    if (this.closed || this.streams.size >= this.limits.maxStreams) return false;
    const stream: Stream = { response, needsSnapshot: true, waitingForDrain: false, snapshotBytes: 0 };
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // Reverse proxies would otherwise hold events back to fill their buffers.
      'x-accel-buffering': 'no',
    });
    // Sent at once so the page knows it is connected; the snapshot follows at the next tick.
    response.write(': connected\n\n');
    this.streams.add(stream);
    response.once('close', () => this.drop(stream));
    if (this.streams.size === 1) this.start();
    this.schedule();
    return true;
  }

  /** Ends every stream and stops listening (the server is closing). */
  close(): void {
    this.closed = true;
    for (const stream of [...this.streams]) stream.response.end();
    this.stop();
  }

  private start(): void {
    this.unsubscribe = this.source.subscribe(this.noteTask, this.noteLabels);
    this.heartbeat = setInterval(() => {
      for (const stream of this.streams) if (!this.lagging(stream)) stream.response.write(': \n\n');
    }, this.limits.heartbeatMs);
    this.heartbeat.unref();
  }

  private stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.heartbeat);
    clearTimeout(this.timer);
    this.timer = undefined;
    this.changed.clear();
    this.labelsChanged = false;
  }

  private drop(stream: Stream): void {
    if (this.streams.delete(stream) && this.streams.size === 0) this.stop();
  }

  private readonly noteTask = (key: string): void => {
    this.changed.add(key);
    this.schedule();
  };

  private readonly noteLabels = (): void => {
    this.labelsChanged = true;
    this.schedule();
  };

  private schedule(): void {
    if (this.timer || this.streams.size === 0) return;
    this.timer = setTimeout(this.tick, Math.max(0, Math.ceil(this.lastTick + this.limits.intervalMs - performance.now())));
    this.timer.unref();
  }

  private lagging(stream: Stream): boolean {
    return stream.response.writableLength > this.limits.maxQueuedBytes + stream.snapshotBytes;
  }

  /** Skips a stream that is too far behind until its socket drains; it then gets a snapshot. */
  private holdBack(stream: Stream): void {
    stream.needsSnapshot = true;
    if (stream.waitingForDrain) return;
    stream.waitingForDrain = true;
    stream.response.once('drain', () => {
      stream.waitingForDrain = false;
      this.schedule();
    });
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    // Timers count from the event loop's cached clock, so one can fire a little early.
    const now = performance.now();
    if (now < this.lastTick + this.limits.intervalMs) {
      this.schedule();
      return;
    }
    this.lastTick = now;
    let delta: string | undefined;
    if (this.changed.size || this.labelsChanged) {
      const upsert: unknown[] = [];
      const remove: string[] = [];
      for (const key of this.changed) {
        const row = this.source.row(key);
        if (row === undefined) remove.push(key);
        else upsert.push(row);
      }
      delta = frame('delta', { now: Date.now(), labels: this.labelsChanged ? this.source.labels() : undefined, upsert, remove });
      this.changed.clear();
      this.labelsChanged = false;
    }
    let snapshot: string | undefined;
    for (const stream of this.streams) {
      if (this.lagging(stream)) {
        this.holdBack(stream);
        continue;
      }
      if (stream.needsSnapshot) {
        snapshot ??= frame('snapshot', { now: Date.now(), labels: this.source.labels(), tasks: this.source.rows() });
        stream.needsSnapshot = false;
        if (!stream.response.write(snapshot)) {
          stream.snapshotBytes = snapshot.length;
          stream.response.once('drain', () => (stream.snapshotBytes = 0));
        }
      } else if (delta) {
        stream.response.write(delta);
      }
    }
  };
}
