// Recent Tasks pages, as far as the server can tell, in a process of their own (not in the load
// generator's event loop): `node dist/bench/pages.js <server url> <count>` holds <count> GET
// /ui/api/stream feeds open and reads them. Over IPC it says {ready} once all are open and
// answers 'events' with how many events all pages have received so far.

import http from 'node:http';

const [url, countText] = process.argv.slice(2);
const count = Number(countText);
let events = 0;
const requests: http.ClientRequest[] = [];

function openOne(): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.get(new URL('/ui/api/stream', url), { agent: false, headers: { accept: 'text/event-stream' } }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`GET /ui/api/stream answered ${response.statusCode}`));
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        for (let i = chunk.indexOf('event: '); i !== -1; i = chunk.indexOf('event: ', i + 1)) events++;
      });
      response.on('error', () => undefined);
      resolve();
    });
    request.on('error', reject);
    requests.push(request);
  });
}

process.on('message', (message) => {
  if (message === 'events') process.send!({ events });
});
process.on('disconnect', () => {
  for (const request of requests) request.destroy();
  process.exit(0);
});

Promise.all(Array.from({ length: count }, openOne)).then(
  () => process.send!({ ready: true }),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
