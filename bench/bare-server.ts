// The ceiling the emulator is compared with: plain node:http (or https) reading each request
// body and answering with the same bytes the emulator sends for UpdateProgress. Whatever the
// emulator does beyond this (routing, XML, the task rules) is its own cost.
// Usage: node dist/bench/bare-server.js [--tls] --port N

import http from 'node:http';
import https from 'node:https';
import { parseArgs } from 'node:util';
import { operationResponse } from '../src/soap/envelope.js';
import { tlsMaterial } from '../src/server/tls.js';

const { values } = parseArgs({ options: { tls: { type: 'boolean', default: false }, port: { type: 'string' } } });
// A string, not a Buffer: node:http then sends headers and body in one write rather than a
// writev of two, which is what the emulator does too, so the ceiling is the best plain Node does.
const RESPONSE = operationResponse('UpdateProgress', '');
const HEADERS = ['content-type', 'text/xml; charset=utf-8', 'content-length', String(Buffer.byteLength(RESPONSE))];

const handler: http.RequestListener = (request, response) => {
  request.on('data', () => {});
  request.on('end', () => {
    response.writeHead(200, HEADERS);
    response.end(RESPONSE);
  });
};

const server = values.tls ? https.createServer(await tlsMaterial(undefined, undefined, '127.0.0.1'), handler) : http.createServer(handler);
// The same keep-alive setting the emulator uses, so neither side closes connections mid-run.
server.keepAliveTimeout = 65_000;
server.listen(Number(values.port), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
