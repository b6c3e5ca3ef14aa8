// The wire trace: every SOAP exchange /sdk answers, with its bodies, as one JSON object. It goes
// to an NDJSON file (--trace-file) and/or a bounded in-memory ring that the control API serves
// (--trace-ring). Secrets are redacted before an exchange is kept anywhere. Nothing here runs
// when both are off: createEmulator then makes no WireTrace and the /sdk route skips it.

import { createWriteStream, openSync, type WriteStream } from 'node:fs';

/** One exchange, as it is written to the file and served by GET /_emulator/trace. */
export interface TraceEntry {
  /** 1, 2, 3... per emulator; the file and the ring share the numbering. */
  readonly id: number;
  /** When the request arrived (ISO 8601, UTC). */
  readonly time: string;
  /** The session's user name; null for a call without a session (Login, RetrieveServiceContent). */
  readonly user: string | null;
  /** The Body element's name; '' when the request could not be read that far. */
  readonly method: string;
  /** The managed object called, `Type:value`; null when there was none. */
  readonly this: string | null;
  readonly status: number;
  /** The fault's type when the answer is one. */
  readonly fault: string | null;
  /** From the request's arrival to the answer (ms). */
  readonly ms: number;
  readonly request: string;
  readonly response: string;
}

/** What the /sdk route hands over for one exchange (before redaction). */
export interface ExchangeRecord {
  readonly user: string | undefined;
  readonly method: string;
  readonly self: string | undefined;
  readonly status: number;
  readonly fault: string | undefined;
  readonly ms: number;
  readonly request: string;
  readonly response: string;
}

export interface WireTraceOptions {
  /** NDJSON file appended to; undefined: none. */
  readonly file: string | undefined;
  /** Exchanges the ring keeps (0: no ring). */
  readonly ringEntries: number;
  /** The ring's bound on the bodies it holds (UTF-8 bytes of request plus response). */
  readonly ringBytes: number;
  /** Lines waiting for the disk beyond which new lines are dropped (and counted) instead of queued. */
  readonly backlogBytes?: number;
}

/** Default bound on lines queued for a slow disk. */
export const DEFAULT_TRACE_BACKLOG_BYTES = 16 * 1024 * 1024;

/**
 * Elements whose text is a secret wherever they appear: passwords (Login, LoginExtension*,
 * users in any other call), the session ids and tickets that stand for a session
 * (LoginBySessionId, CloneSession), and the WS-Security header a token login carries.
 */
const SECRET_ELEMENTS = ['password', 'sessionId', 'cloneTicket', 'Security'];
const SECRET_ELEMENT = new RegExp(`<((?:[A-Za-z_][\\w.-]*:)?(?:${SECRET_ELEMENTS.join('|')}))(\\s[^>]*)?>[\\s\\S]*?</\\1\\s*>`, 'g');
/** Methods whose result is itself a credential (a ticket that logs in as the caller). */
const SECRET_RESULTS = new Set(['AcquireCloneTicket', 'AcquireSessionTicket', 'AcquireGenericServiceTicket', 'AcquireCredentialsInGuest']);
const RETURNVAL = /<returnval(\s[^>]*)?>[\s\S]*?<\/returnval\s*>/g;
export const REDACTED = '[redacted]';

/** A SOAP body with every secret element's content replaced (the element and its attributes stay). */
export function redactBody(body: string): string {
  // indexOf first: most bodies carry no secret, and a failed regex scan of a large body costs more.
  if (!SECRET_ELEMENTS.some((name) => body.includes(name))) return body;
  return body.replace(SECRET_ELEMENT, (_whole, name: string, attributes: string | undefined) => `<${name}${attributes ?? ''}>${REDACTED}</${name}>`);
}

export function redactResponse(method: string, body: string): string {
  const redacted = redactBody(body);
  if (!SECRET_RESULTS.has(method)) return redacted;
  return redacted.replace(RETURNVAL, (_whole, attributes: string | undefined) => `<returnval${attributes ?? ''}>${REDACTED}</returnval>`);
}

/** What GET /_emulator/trace answers. */
export interface TracePage {
  /** The exchanges after `since` that the ring still holds, oldest first. */
  readonly exchanges: TraceEntry[];
  /** The newest exchange's id (0: none yet): pass it as `since` next time. */
  readonly last: number;
  /** True when exchanges after `since` were already pushed out of the ring. */
  readonly truncated: boolean;
  /** Lines the trace file lost because the disk fell behind (see backlogBytes). */
  readonly fileDropped: number;
}

export class WireTrace {
  private nextId = 1;
  private readonly ring: TraceEntry[] = [];
  private ringHead = 0;
  private ringBytes = 0;
  private readonly sizes: number[] = [];
  private readonly stream: WriteStream | undefined;
  private readonly backlogBytes: number;
  private droppedLines = 0;
  private failed: Error | undefined;

  constructor(
    private readonly options: WireTraceOptions,
    /** Told once per spell of dropped lines, and when the file fails. */
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.backlogBytes = options.backlogBytes ?? DEFAULT_TRACE_BACKLOG_BYTES;
    if (options.file !== undefined) {
      // Opened here, synchronously, so a path that cannot be written stops the start with its error.
      const fd = openSync(options.file, 'a');
      this.stream = createWriteStream('', { fd, flags: 'a' });
      this.stream.on('error', (error) => {
        this.failed = error;
        this.warn(`trace file ${options.file}: ${error.message}; tracing to it stopped`);
      });
    }
  }

  get ringEnabled(): boolean {
    return this.options.ringEntries > 0;
  }

  get fileDropped(): number {
    return this.droppedLines;
  }

  record(exchange: ExchangeRecord): void {
    const entry: TraceEntry = {
      id: this.nextId++,
      time: new Date(Date.now() - exchange.ms).toISOString(),
      user: exchange.user ?? null,
      method: exchange.method,
      this: exchange.self ?? null,
      status: exchange.status,
      fault: exchange.fault ?? null,
      ms: Math.round(exchange.ms * 1000) / 1000,
      request: redactBody(exchange.request),
      response: redactResponse(exchange.method, exchange.response),
    };
    if (this.stream) this.writeLine(this.stream, entry);
    if (this.ringEnabled) this.keep(entry);
  }

  private writeLine(stream: WriteStream, entry: TraceEntry): void {
    if (this.failed || stream.destroyed) return;
    // write() never blocks; what the disk has not taken yet waits in the stream's buffer, up to a bound.
    if (stream.writableLength > this.backlogBytes) {
      if (this.droppedLines++ === 0 || this.droppedLines % 10_000 === 0)
        this.warn(`trace file ${this.options.file}: the disk is behind by ${stream.writableLength} bytes; ${this.droppedLines} lines dropped so far`);
      return;
    }
    stream.write(`${JSON.stringify(entry)}\n`);
  }

  private keep(entry: TraceEntry): void {
    const size = Buffer.byteLength(entry.request) + Buffer.byteLength(entry.response);
    const { ringEntries, ringBytes } = this.options;
    // An exchange larger than the whole byte bound is kept with its bodies cut, so the ring still shows it happened.
    const kept: TraceEntry =
      size > ringBytes ? { ...entry, request: cut(entry.request, ringBytes >> 1), response: cut(entry.response, ringBytes >> 1) } : entry;
    const keptSize = kept === entry ? size : Buffer.byteLength(kept.request) + Buffer.byteLength(kept.response);
    this.ring.push(kept);
    this.sizes.push(keptSize);
    this.ringBytes += keptSize;
    while (this.ring.length - this.ringHead > ringEntries || this.ringBytes > ringBytes) {
      this.ringBytes -= this.sizes[this.ringHead];
      this.ringHead++;
    }
    // Compact now and then instead of shifting on every call.
    if (this.ringHead > 1024 && this.ringHead * 2 > this.ring.length) {
      this.ring.splice(0, this.ringHead);
      this.sizes.splice(0, this.ringHead);
      this.ringHead = 0;
    }
  }

  /** The ring's exchanges after `since`. */
  since(since: number): TracePage {
    const exchanges: TraceEntry[] = [];
    for (let i = this.ringHead; i < this.ring.length; i++) if (this.ring[i].id > since) exchanges.push(this.ring[i]);
    const oldest = this.ringHead < this.ring.length ? this.ring[this.ringHead].id : this.nextId;
    return { exchanges, last: this.nextId - 1, truncated: oldest > since + 1, fileDropped: this.droppedLines };
  }

  /** Writes out what is queued and closes the file. */
  close(): Promise<void> {
    const stream = this.stream;
    if (!stream || stream.destroyed || stream.writableFinished) return Promise.resolve();
    return new Promise((resolve) => {
      stream.once('close', () => resolve());
      stream.end();
    });
  }
}

/** At most `bytes` UTF-8 bytes of `text` (roughly: cut by characters), marked as cut. */
function cut(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  const marker = `…[cut: ${Buffer.byteLength(text)} bytes]`;
  return text.slice(0, Math.max(0, Math.floor(bytes / 3) - marker.length)) + marker;
}
