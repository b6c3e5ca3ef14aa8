// The start-up baselines: a bare node:http server, or fastify with one route, each printing its
// URL as the first stdout line as the emulator's CLI does with --port 0.

import http from 'node:http';

const answer = '<?xml version="1.0" encoding="UTF-8"?><ok/>';

if (process.argv.includes('--fastify')) {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.post('/sdk', (_request, reply) => reply.type('text/xml; charset=utf-8').send(answer));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`${url}/sdk\n`);
} else {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(answer));
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/sdk\n`);
  });
}
process.on('SIGTERM', () => process.exit(0));
