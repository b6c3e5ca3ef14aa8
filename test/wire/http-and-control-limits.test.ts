// Issue 14, rows 8, 10 and 11: the control API takes no more than SOAP input does (depth,
// strings) so nothing it stores can break a later SOAP read; a control API others can reach
// needs a token by default; and a client whose body is too large always reads the 413.

import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/server/app.js';
import type { Config } from '../../src/server/config.js';
import { startEmulator } from '../helpers/emulator.js';
import { rawRequest, SoapSession } from '../helpers/soap-client.js';
import { ok, readInfo } from '../helpers/tasks.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(overrides: Partial<Config> = {}): Promise<string> {
  emulator = await startEmulator(overrides);
  return emulator.url();
}

/** A task result nested `depth` data objects deep (KeyAnyValue.value is anyType). */
function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { _type: 'KeyAnyValue', key: `k${i}`, value };
  return value;
}

describe('control API input (row 8)', () => {
  test('a result nested 1,500 deep is refused with 400; the recent-task read of every client still works', async () => {
    const url = await start();
    const res = await rawRequest(url, {
      path: '/_emulator/tasks',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'success', result: nested(1500) }),
    });
    expect(res.status, res.body).toBe(400);
    expect(res.body).toMatch(/deeper than/);
    const s = new SoapSession(url);
    ok(await s.login());
    ok(
      await s.call(
        'RetrieveProperties',
        'PropertyCollector',
        'propertyCollector',
        '<specSet><propSet><type>TaskManager</type><pathSet>recentTask</pathSet></propSet><objectSet><obj type="TaskManager">TaskManager</obj></objectSet></specSet>',
      ),
    );
  });

  test('the deepest result the control API accepts is read back through SOAP', async () => {
    const url = await start();
    // Depth counts the JSON body itself and the task object around the result.
    let depth = 40;
    let created: { status: number; body: string } | undefined;
    for (; depth > 0; depth--) {
      created = await rawRequest(url, {
        path: '/_emulator/tasks',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ state: 'success', result: nested(depth) }),
      });
      if (created.status === 201) break;
    }
    expect(depth).toBeGreaterThan(20);
    const key = String((JSON.parse(created!.body) as { key: string }).key);
    const s = new SoapSession(url);
    ok(await s.login());
    const info = await readInfo(s, key);
    expect(JSON.stringify(info.result)).toContain('leaf');
  });
});

describe('control token by default (row 10)', () => {
  test('on a non-loopback address without --control-token a token is generated and required', async () => {
    const url = await start({ host: '0.0.0.0' });
    const token = emulator!.generatedControlToken;
    expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect((await rawRequest(url, { method: 'GET', path: '/_emulator/tasks' })).status).toBe(401);
    expect((await rawRequest(url, { method: 'GET', path: '/_emulator/tasks', headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    // SOAP is unaffected.
    ok(await new SoapSession(url).login());
  });

  test('on loopback, or with a token given, nothing is generated', async () => {
    let url = await start();
    expect(emulator!.generatedControlToken).toBeUndefined();
    expect((await rawRequest(url, { method: 'GET', path: '/_emulator/tasks' })).status).toBe(200);
    await emulator!.close();
    url = await start({ host: '0.0.0.0', controlToken: 'mine' });
    expect(emulator!.generatedControlToken).toBeUndefined();
    expect((await rawRequest(url, { method: 'GET', path: '/_emulator/tasks', headers: { authorization: 'Bearer mine' } })).status).toBe(200);
  });
});

/**
 * Sends a request over a raw socket: headers, then (once 100 Continue arrives, or at once when
 * `waitForContinue` is false) up to `bodyBytes` of body in 64 KiB writes. Resolves with what the
 * client read: whether 100 Continue came, and the final status (0 if none was read).
 */
function bigPost(
  port: number,
  options: { contentLength: boolean; bodyBytes: number; waitForContinue: boolean; expect?: boolean; readAfterSending?: boolean },
): Promise<{ continued: boolean; status: number }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let continued = false;
    let sent = 0;
    let done = false;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    /** What the server sent after any 100 Continue. */
    const finalPart = () => text.replace(/^HTTP\/1\.1 100[^\r]*\r\n\r\n/, '');
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const final = /^HTTP\/1\.1 (\d{3})/.exec(finalPart());
      resolve({ continued, status: final ? Number(final[1]) : 0 });
      socket.destroy();
    };
    const timer = setTimeout(finish, 15_000);
    const pump = () => {
      while (!done && sent < options.bodyBytes && !socket.destroyed) {
        const piece = chunk.subarray(0, Math.min(chunk.length, options.bodyBytes - sent));
        sent += piece.length;
        const framed = options.contentLength ? piece : Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
        if (!socket.write(framed)) return void socket.once('drain', pump);
      }
      if (done || socket.destroyed || sent < options.bodyBytes) return;
      // A naive client reads nothing until it has sent everything.
      const sentAll = () => options.readAfterSending && socket.resume();
      if (!options.contentLength) socket.write('0\r\n\r\n', sentAll);
      else socket.write(Buffer.alloc(0), sentAll);
    };
    socket.on('connect', () => {
      const length = options.contentLength ? `Content-Length: ${options.bodyBytes}\r\n` : 'Transfer-Encoding: chunked\r\n';
      const expect = options.expect === false ? '' : 'Expect: 100-continue\r\n';
      if (options.readAfterSending) socket.pause();
      socket.write(`POST /sdk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml; charset=utf-8\r\n${length}${expect}\r\n`);
      if (!options.waitForContinue) pump();
    });
    socket.on('data', (data: Buffer) => {
      text += data.toString('latin1');
      if (!continued && text.startsWith('HTTP/1.1 100')) {
        continued = true;
        if (options.waitForContinue) pump();
      }
      if (/^HTTP\/1\.1 \d{3}[\s\S]*?\r\n\r\n/.test(finalPart())) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
  });
}

describe('HTTP: a body over the limit (row 11)', () => {
  const portOf = (url: string) => Number(new URL(url).port);

  test('Expect: 100-continue with a Content-Length over the limit: 413 at once, no 100 Continue, for 24 clients at once', async () => {
    const url = await start();
    const results = await Promise.all(
      Array.from({ length: 24 }, () => bigPost(portOf(url), { contentLength: true, bodyBytes: 20_000_000, waitForContinue: true })),
    );
    for (const r of results) expect(r).toEqual({ continued: false, status: 413 });
  });

  test('a body that turns out too large while it streams (chunked, after 100 Continue): every client reads the 413, 12 clients at once', async () => {
    const url = await start();
    const results = await Promise.all(
      Array.from({ length: 12 }, () => bigPost(portOf(url), { contentLength: false, bodyBytes: 20_000_000, waitForContinue: true })),
    );
    for (const r of results) expect(r).toEqual({ continued: true, status: 413 });
  }, 60_000);

  test('a client that sends a too-large body without waiting for 100 Continue still reads the 413, 12 clients at once', async () => {
    const url = await start();
    const results = await Promise.all(
      Array.from({ length: 12 }, () => bigPost(portOf(url), { contentLength: true, bodyBytes: 20_000_000, waitForContinue: false })),
    );
    for (const r of results) expect(r.status).toBe(413);
    // The server is still there for everyone else.
    ok(await new SoapSession(url).login());
  }, 60_000);

  for (const contentLength of [true, false]) {
    test(`a client that writes its whole too-large body before reading anything still reads the 413 (${contentLength ? 'Content-Length' : 'chunked'}, 12 clients at once)`, async () => {
      const url = await start();
      const results = await Promise.all(
        Array.from({ length: 12 }, () =>
          bigPost(portOf(url), { contentLength, bodyBytes: 20_000_000, waitForContinue: false, expect: false, readAfterSending: true }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(12).fill(413));
    }, 60_000);
  }
});
