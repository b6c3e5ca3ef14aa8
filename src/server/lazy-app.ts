// The routes a start does not need (the control API, the Recent Tasks page, the WSDL files and
// the health check) live in a second fastify instance, built when the first request for one of
// them arrives. Registering their nearly sixty routes (fastify's HEAD twin of each GET counted)
// took 17 ms of main-thread CPU in every start, most of it compiling the matchers find-my-way
// builds with new Function, which no code cache holds (docs/performance.md, "Start-up"). The
// SOAP endpoint stays in the instance that listens; the server hands every other request to
// this one.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

export class LazyApp {
  private app: Promise<FastifyInstance> | undefined;
  private closing = false;

  constructor(
    private readonly build: () => Promise<FastifyInstance>,
    private readonly onBuildError: (error: unknown) => void,
  ) {}

  /** The instance, built now if it was not yet. */
  instance(): Promise<FastifyInstance> {
    if (!this.app) {
      this.app = this.build();
      this.app.catch(this.onBuildError);
    }
    return this.app;
  }

  /** Serves one request, building the instance first if this is the first. */
  handle(request: IncomingMessage, response: ServerResponse): void {
    if (this.closing) {
      refuse(response, 503, 'the emulator is shutting down');
      return;
    }
    this.instance().then(
      (app) => app.routing(request, response),
      () => refuse(response, 500, 'the control API could not be started (see the log)'),
    );
  }

  /** Closes the instance if it was built (its routes end their event streams), and refuses requests from now on. */
  async close(): Promise<void> {
    this.closing = true;
    const app = await this.app?.catch(() => undefined);
    await app?.close();
  }
}

function refuse(response: ServerResponse, statusCode: number, message: string): void {
  const body = JSON.stringify({ statusCode, error: statusCode === 503 ? 'Service Unavailable' : 'Internal Server Error', message });
  // As fastify answers while it closes: the client is told not to reuse the connection.
  response.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  response.end(body);
}
