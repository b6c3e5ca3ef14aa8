#!/usr/bin/env node
// The container HEALTHCHECK: GET /healthz on the emulator in this container, using the same
// environment the server reads (VTASK_PORT, VTASK_TLS). Exit 0 when healthy, 1 otherwise.

import http from 'node:http';
import https from 'node:https';

const port = Number(process.env.VTASK_PORT ?? 8989);
const tls = !/^(0|false|no|off)$/i.test(process.env.VTASK_TLS ?? 'true');
const transport = tls ? https : http;
const request = transport.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 2000, rejectUnauthorized: false }, (response) => {
  response.resume();
  process.exit(response.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timeout')));
request.on('error', () => process.exit(1));
