// Helpers for the Recent Tasks page's tests and screenshot: registering task labels the way an
// extension does, and reading the page's live feed as raw server-sent events.

import http from 'node:http';
import { ok } from './tasks.js';
import type { SoapSession } from './soap-client.js';

function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Registers an extension (over SOAP RegisterExtension) whose task types are the keys of
 * `labels`, with each label as its English resource: module "task", key "<taskID>.label".
 */
export async function registerTaskTypes(s: SoapSession, extensionKey: string, labels: Readonly<Record<string, string>>): Promise<void> {
  const ids = Object.keys(labels);
  const extension =
    `<extension><description><label>${xmlText(extensionKey)}</label><summary>${xmlText(extensionKey)}</summary></description>` +
    `<key>${xmlText(extensionKey)}</key><version>1.0</version>` +
    ids.map((id) => `<taskList><taskID>${xmlText(id)}</taskID></taskList>`).join('') +
    `<resourceList><locale>en</locale><module>task</module>` +
    ids.map((id) => `<data><key>${xmlText(id)}.label</key><value>${xmlText(labels[id])}</value></data>`).join('') +
    `</resourceList><lastHeartbeatTime>2026-01-01T00:00:00Z</lastHeartbeatTime></extension>`;
  ok(await s.call('RegisterExtension', 'ExtensionManager', 'ExtensionManager', extension));
}

export interface FeedEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
  /** When it arrived (performance.now()). */
  readonly at: number;
}

/** One open GET /ui/api/stream, collecting its events. */
export class Feed {
  readonly events: FeedEvent[] = [];
  private waiters: Array<() => void> = [];

  private constructor(
    readonly status: number,
    readonly headers: http.IncomingHttpHeaders,
    readonly body: string,
    private readonly request: http.ClientRequest,
  ) {}

  static open(baseUrl: string, headers: Record<string, string> = {}): Promise<Feed> {
    return new Promise((resolve, reject) => {
      const request = http.get(new URL('/ui/api/stream', baseUrl), { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (response) => {
        if (response.statusCode !== 200) {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve(new Feed(response.statusCode ?? 0, response.headers, body, request)));
          return;
        }
        const feed = new Feed(200, response.headers, '', request);
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) feed.push({ event, data: JSON.parse(data) as Record<string, unknown>, at: performance.now() });
          }
        });
        response.on('error', () => undefined);
        resolve(feed);
      });
      request.on('error', reject);
    });
  }

  private push(event: FeedEvent): void {
    this.events.push(event);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Waits until an event satisfies `match` (checking those already received first). */
  async next(match: (event: FeedEvent) => boolean, timeoutMs = 5000): Promise<FeedEvent> {
    const deadline = Date.now() + timeoutMs;
    for (let seen = 0; ; ) {
      for (; seen < this.events.length; seen++) if (match(this.events[seen])) return this.events[seen];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching feed event within ${timeoutMs} ms; got ${JSON.stringify(this.events.map((e) => e.event))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.request.destroy();
  }
}

/** The task rows a feed event carries (snapshot: tasks; delta: upsert). */
export function rowsOf(event: FeedEvent): Array<Record<string, unknown>> {
  return (event.data.tasks ?? event.data.upsert ?? []) as Array<Record<string, unknown>>;
}
