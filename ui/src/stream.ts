// The live feed, read with fetch so it can carry the token in a header (EventSource cannot).
// It reconnects by itself; every connection starts with a snapshot, so nothing is missed.

import type { Delta, Snapshot } from './protocol.js';

export type StreamState =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'live' }
  | { readonly kind: 'retrying'; readonly inMs: number }
  | { readonly kind: 'unauthorized' }
  | { readonly kind: 'busy'; readonly message: string };

export interface StreamHandlers {
  snapshot(snapshot: Snapshot): void;
  delta(delta: Delta): void;
  state(state: StreamState): void;
}

const STREAM_PATH = '/ui/api/stream';
const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 5000;

export class LiveStream {
  private abort: AbortController | undefined;
  private retryTimer: number | undefined;
  private retryMs = FIRST_RETRY_MS;

  constructor(
    private readonly handlers: StreamHandlers,
    private readonly token: () => string | null,
  ) {}

  /** (Re)connects now, e.g. once a token has been entered. */
  restart(): void {
    this.stop();
    this.retryMs = FIRST_RETRY_MS;
    void this.run();
  }

  stop(): void {
    clearTimeout(this.retryTimer);
    this.abort?.abort();
    this.abort = undefined;
  }

  private retry(ms: number): void {
    this.handlers.state({ kind: 'retrying', inMs: ms });
    this.retryTimer = window.setTimeout(() => void this.run(), ms);
  }

  private async run(): Promise<void> {
    const abort = (this.abort = new AbortController());
    this.handlers.state({ kind: 'connecting' });
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      const token = this.token();
      if (token) headers.authorization = `Bearer ${token}`;
      const response = await fetch(STREAM_PATH, { headers, cache: 'no-store', signal: abort.signal });
      if (response.status === 401) {
        this.handlers.state({ kind: 'unauthorized' });
        return;
      }
      if (response.status === 503) {
        const body = (await response.json().catch(() => ({}))) as { error?: string };
        this.handlers.state({ kind: 'busy', message: body.error ?? 'the server refused the feed' });
        this.retryTimer = window.setTimeout(() => void this.run(), LAST_RETRY_MS);
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      await this.read(response.body);
    } catch {
      if (abort.signal.aborted) return;
    }
    if (abort.signal.aborted) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(LAST_RETRY_MS, this.retryMs * 2);
    this.retry(wait);
  }

  /** Reads server-sent events until the connection ends. */
  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r/g, '');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        this.dispatch(block);
      }
    }
  }

  private dispatch(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (!data.length) {
      // The server's first line says the feed is open.
      if (block.startsWith(': connected')) this.handlers.state({ kind: 'live' });
      return;
    }
    const payload = JSON.parse(data.join('\n')) as unknown;
    if (event === 'snapshot') {
      this.retryMs = FIRST_RETRY_MS;
      this.handlers.snapshot(payload as Snapshot);
    } else if (event === 'delta') {
      this.handlers.delta(payload as Delta);
    }
  }
}
