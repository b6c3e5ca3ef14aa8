// --state-file: the state document kept on disk. Loaded at start when the file exists (a file
// that cannot be read, parsed or restored stops the start and is left as it is), saved every
// --state-save-interval-ms when something changed, and at shutdown. Every save is atomic: a temp
// file in the same directory is written and fsynced, renamed over the file, and the directory
// fsynced, so a crash at any moment leaves either the previous file or the new one.

import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ControlError } from '../control/errors.js';
import { JsonValueError, toJson } from '../control/json-values.js';
import type { EmulatorState } from '../control/state.js';

/** A state file that stops the start: unreadable, not JSON, truncated, too new or not a state document. */
export class StateFileError extends Error {}

export interface StateFileLog {
  error(details: object, message: string): void;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

/** The temp file a save writes first: `.state.json.<random>.tmp` beside `state.json`. */
function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Temp files a save killed before its rename left behind. */
async function removeLeftovers(file: string): Promise<void> {
  const prefix = `.${path.basename(file)}.`;
  const directory = path.dirname(file);
  for (const name of readdirSync(directory)) {
    if (name.startsWith(prefix) && /^[0-9a-f]{12}\.tmp$/.test(name.slice(prefix.length))) await rm(path.join(directory, name), { force: true });
  }
}

/** Writes `data` to `file` so that the file is always either the old or the new content. */
export async function writeAtomically(file: string, data: string): Promise<void> {
  const directory = path.dirname(file);
  const temp = tempName(file);
  try {
    // 0600: the document holds the users' passwords.
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // The rename itself is durable only once the directory is.
  const dir = await open(directory, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export class StateFile {
  private timer: NodeJS.Timeout | undefined;
  /** The change count the file was last written at. */
  private savedAt: number;
  private saving: Promise<void> | undefined;
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly state: EmulatorState,
  ) {
    this.savedAt = state.changes();
  }

  /**
   * Restores the file when it exists, or writes it at once when it does not (so a path that
   * cannot be written stops the start too). Throws a StateFileError naming the file and the
   * problem; the file is then not touched.
   */
  static async open(file: string, state: EmulatorState, maxStringBytes: number): Promise<StateFile> {
    const opened = new StateFile(path.resolve(file), state);
    const document = StateFile.read(opened.file, maxStringBytes);
    if (document === undefined) {
      try {
        await writeAtomically(opened.file, StateFile.text(state));
      } catch (error) {
        throw new StateFileError(`state file ${opened.file}: cannot be written: ${messageOf(error)}`);
      }
    } else {
      try {
        state.restore(document, 'state');
      } catch (error) {
        if (error instanceof ControlError) throw new StateFileError(`state file ${opened.file}: ${error.message}; the file is left as it is`);
        throw error;
      }
    }
    opened.savedAt = state.changes();
    await removeLeftovers(opened.file);
    return opened;
  }

  /** The file's document, or undefined when there is no file. */
  private static read(file: string, maxStringBytes: number): ReturnType<typeof toJson> | undefined {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw new StateFileError(`state file ${file}: cannot be read: ${messageOf(error)}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      const what = text.trim() === '' ? 'it is empty' : `it is not valid JSON (truncated or damaged?): ${messageOf(error)}`;
      throw new StateFileError(`state file ${file}: ${what}; the file is left as it is`);
    }
    try {
      return toJson(parsed, 'state', maxStringBytes);
    } catch (error) {
      if (error instanceof JsonValueError) throw new StateFileError(`state file ${file}: ${error.message}; the file is left as it is`);
      throw error;
    }
  }

  private static text(state: EmulatorState): string {
    return `${JSON.stringify(state.document())}\n`;
  }

  /** Saves every `intervalMs` (0: only at shutdown) when something changed; failures are logged. */
  start(intervalMs: number, log: StateFileLog): void {
    if (intervalMs <= 0 || this.closed) return;
    this.timer = setInterval(() => {
      if (this.saving) return;
      this.save().catch((error: unknown) => log.error({ err: error, file: this.file }, 'state file save failed'));
    }, intervalMs);
    this.timer.unref();
  }

  /** Writes the state if it changed since the last save (after any save under way). */
  async save(): Promise<void> {
    while (this.saving) await this.saving;
    const changes = this.state.changes();
    if (changes === this.savedAt) return;
    const text = StateFile.text(this.state);
    this.saving = writeAtomically(this.file, text).then(
      () => {
        this.savedAt = changes;
        this.saving = undefined;
      },
      (error: unknown) => {
        this.saving = undefined;
        throw error;
      },
    );
    await this.saving;
  }

  /** Stops the timer and saves one last time. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.save();
  }
}
