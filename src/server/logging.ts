// pino settings: JSON lines by default, pretty output on a terminal when pino-pretty is
// installed; cookies and passwords never reach a log line.

import { createRequire } from 'node:module';
import type { DestinationStream, LoggerOptions } from 'pino';

const require = createRequire(import.meta.url);

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** Pino settings writing to stdout, or to `stream` (the CLI's stderr when stdout carries the URL). */
export function loggerOptions(level: string, stream?: NodeJS.WritableStream): LoggerOptions & { stream?: DestinationStream } {
  const options: LoggerOptions & { stream?: DestinationStream } = {
    level,
    // Exact paths only: a wildcard ('*.password') made every log line walk all its fields,
    // about 1 µs a line, i.e. a SOAP call's log line cost 40% more. No line carries a caller's
    // arguments; an error is the one object logged whole.
    redact: { paths: ['req.headers.cookie', 'res.headers["set-cookie"]', 'password', 'err.password'], censor: '[redacted]' },
  };
  if (stream) options.stream = stream;
  else if (process.stdout.isTTY && prettyAvailable()) {
    // A pino transport runs in a worker started from a file inside the pino package, which the
    // bundled CLI (scripts/bundle.ts) does not hold: the installed pino makes the transport.
    const installedPino: typeof import('pino') = require('pino');
    options.stream = installedPino.transport({ target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } });
  }
  return options;
}
