// Reading the files users hand the emulator (config, users, seed, privileges): JSON, or YAML
// when the name ends in .yaml/.yml. Errors name the file.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseUsersValue, type UsersFile } from '../vim/users.js';

const require = createRequire(import.meta.url);

/** The YAML parser loads with the first YAML file: most starts have none, and it is slow to load. */
function parseYaml(text: string): unknown {
  const yaml: typeof import('yaml') = require('yaml');
  return yaml.parse(text);
}

/** An error's message, whatever was thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function parseDocument(text: string, source: string): unknown {
  const yaml = /\.ya?ml$/i.test(source);
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid ${yaml ? 'YAML' : 'JSON'}: ${messageOf(error)}`);
  }
}

export function readDocument(file: string): unknown {
  return parseDocument(readFileSync(file, 'utf8'), file);
}

export function parseUsersFile(text: string, source: string): UsersFile {
  return parseUsersValue(parseDocument(text, source), source);
}
