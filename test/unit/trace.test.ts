// WireTrace without a server: redaction of bodies and of results that are credentials, and a
// trace file that falls behind the calls drops lines (counted) instead of queueing without bound.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { redactBody, redactResponse, WireTrace, type ExchangeRecord } from '../../src/control/trace.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vtask-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const exchange = (request: string, method = 'Login'): ExchangeRecord => ({
  user: 'u',
  method,
  self: undefined,
  status: 200,
  fault: undefined,
  ms: 1.23456,
  request,
  response: '<r/>',
});

test('redactBody: the content of every secret element, with or without a prefix or attributes; nothing else', () => {
  expect(redactBody('<a><password>p</password><b>keep</b><x:password xsi:type="xsd:string">q\n</x:password ></a>')).toBe(
    '<a><password>[redacted]</password><b>keep</b><x:password xsi:type="xsd:string">[redacted]</x:password></a>',
  );
  expect(redactBody('<sessionId>s</sessionId><cloneTicket>t</cloneTicket>')).toBe('<sessionId>[redacted]</sessionId><cloneTicket>[redacted]</cloneTicket>');
  // Two secrets in one body: each closes at its own end tag.
  expect(redactBody('<password>a</password><userName>me</userName><password>b</password>')).toBe(
    '<password>[redacted]</password><userName>me</userName><password>[redacted]</password>',
  );
  // A name that only starts like a secret is not one.
  expect(redactBody('<passwordHint>h</passwordHint>')).toBe('<passwordHint>h</passwordHint>');
  const plain = '<RetrieveServiceContent/>';
  expect(redactBody(plain)).toBe(plain);
});

test('redactResponse: a ticket result is a credential; other results stay', () => {
  const ticket = '<AcquireCloneTicketResponse xmlns="urn:vim25"><returnval>cst-1</returnval></AcquireCloneTicketResponse>';
  expect(redactResponse('AcquireCloneTicket', ticket)).toBe(
    '<AcquireCloneTicketResponse xmlns="urn:vim25"><returnval>[redacted]</returnval></AcquireCloneTicketResponse>',
  );
  const other = '<CurrentTimeResponse xmlns="urn:vim25"><returnval>2026-01-01T00:00:00Z</returnval></CurrentTimeResponse>';
  expect(redactResponse('CurrentTime', other)).toBe(other);
});

test('the file gets one JSON line per exchange, ids shared with the ring, and is flushed on close', async () => {
  const file = path.join(dir, 'lines.ndjson');
  const trace = new WireTrace({ file, ringEntries: 2, ringBytes: 1 << 20 });
  trace.record(exchange('<Login><password>x</password></Login>'));
  trace.record(exchange('<Logout/>', 'Logout'));
  expect(trace.since(0).exchanges.map((e) => e.id)).toEqual([1, 2]);
  await trace.close();
  const lines = readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines).toEqual(trace.since(0).exchanges);
  expect(lines[0]).toMatchObject({
    id: 1,
    user: 'u',
    method: 'Login',
    this: null,
    status: 200,
    fault: null,
    ms: 1.235,
    request: '<Login><password>[redacted]</password></Login>',
  });
});

test('a disk that falls behind: lines beyond the backlog bound are dropped and counted, never queued', async () => {
  const file = path.join(dir, 'slow.ndjson');
  const warnings: string[] = [];
  const trace = new WireTrace({ file, ringEntries: 0, ringBytes: 0, backlogBytes: 1 }, (m) => warnings.push(m));
  // All in one tick: the first line is still on its way to the disk when the others come.
  for (let i = 0; i < 100; i++) trace.record(exchange('<Logout/>', 'Logout'));
  expect(trace.fileDropped).toBe(99);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/lines dropped/);
  await trace.close();
  expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(1);
});

test('a path that cannot be opened throws at once (the start fails with it)', () => {
  expect(() => new WireTrace({ file: path.join(dir, 'no/such/dir/t.ndjson'), ringEntries: 0, ringBytes: 0 })).toThrow(/ENOENT/);
});
