// Starts the emulator: `vtask-emulator --port 8989`, `--help` for every setting.

import { ConfigError, helpText, loadConfig } from './server/config.js';
import { createEmulator } from './server/app.js';
import { StateFileError } from './server/state-file.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`vtask-emulator: ${error.message}\n\n${helpText()}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (config === 'help') {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  // With --port 0 a spawning program learns the port from the first stdout line, the SDK URL;
  // the log then goes to stderr so nothing comes before that line.
  const urlLine = config.port === 0;
  const emulator = await createEmulator(config, urlLine ? { logStream: process.stderr } : {});
  if (urlLine) process.stdout.write(`${emulator.url()}/sdk\n`);
  emulator.app.log.info({ url: `${emulator.url()}/sdk` }, 'vtask-emulator listening');
  if (emulator.tunnelPort !== undefined) emulator.app.log.info({ port: emulator.tunnelPort }, 'SDK tunnel listening (CONNECT sdkTunnel:8089)');
  // Printed once, on stderr beside the JSON log on stdout, so log collectors do not keep it.
  if (emulator.generatedControlToken) {
    process.stderr.write(
      `vtask-emulator: control API token (generated: listening on ${emulator.config.host}; set --control-token or VTASK_CONTROL_TOKEN to choose one): ${emulator.generatedControlToken}\n`,
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    emulator.app.log.info({ signal }, 'shutting down');
    // The state file is saved before the 2 s allowed for the rest: a large one may take longer.
    const saved = emulator.saveState().catch((error: unknown) => {
      emulator.app.log.error({ err: error }, 'state file save failed');
      process.exitCode = 1;
    });
    saved
      .then(() => {
        const force = setTimeout(() => process.exit(process.exitCode ?? 0), 2000);
        force.unref();
        return emulator.close();
      })
      .then(
        () => process.exit(process.exitCode ?? 0),
        () => process.exit(1),
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof StateFileError) {
    process.stderr.write(`vtask-emulator: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`vtask-emulator: ${error instanceof Error && error.stack ? error.stack : String(error)}\n`);
  process.exit(1);
});
