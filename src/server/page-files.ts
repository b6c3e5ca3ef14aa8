// The Recent Tasks page's files (dist/ui: one flat directory of HTML, scripts, a stylesheet and
// an icon), served under /ui/. A few lines instead of @fastify/static: loading that plugin (and
// the glob, send and mime modules under it) was a fifth of the emulator's start-up, for a page
// most runs never open.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

/** A plain file name: no directory part, no leading dot, nothing to escape the directory with. */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** Serves `directory`'s files at `${prefix}name`, and its index.html at `prefix` itself. */
export function servePageFiles(app: FastifyInstance, directory: string, prefix: string): void {
  const send = async (name: string, reply: import('fastify').FastifyReply) => {
    const type = TYPES[path.extname(name)];
    if (!FILE_NAME.test(name) || type === undefined) return reply.code(404).send({ error: 'not found' });
    let body: Buffer;
    try {
      // Read on each request: the files are small, and a rebuilt page shows without a restart.
      body = await readFile(path.join(directory, name));
    } catch {
      return reply.code(404).send({ error: 'not found' });
    }
    return reply.type(type).send(body);
  };
  app.get(prefix, (_request, reply) => send('index.html', reply));
  app.get<{ Params: { '*': string } }>(`${prefix}*`, (request, reply) => send(request.params['*'], reply));
}
