// GET and PUT /_emulator/state: the whole state as one JSON document, and its restore. Added to
// the control API plugin, so its token and error handling apply; the PUT body has its own size
// limit (a document holds up to --max-tasks tasks with their histories), not the SOAP one.

import type { FastifyInstance } from 'fastify';
import type { Json } from './json-values.js';
import type { EmulatorState } from './state.js';

export interface StateRoutesOptions {
  readonly state: EmulatorState;
  /** Largest PUT body accepted (bytes): see stateBodyLimit(). */
  readonly bodyLimit: number;
}

export function stateRoutes(app: FastifyInstance, { state, bodyLimit }: StateRoutesOptions): void {
  app.get('/state', async () => state.document());
  app.put<{ Body: Json }>('/state', { bodyLimit }, async (request) => {
    state.restore(request.body);
    return { restored: true, tasks: state.taskCount() };
  });
}
