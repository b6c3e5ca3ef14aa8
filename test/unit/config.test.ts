import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, DEFAULTS, helpText, loadConfig, SETTINGS } from '../../src/server/config.js';
import { ROOT } from '../helpers/emulator.js';

describe('config', () => {
  test('defaults: HTTPS on 127.0.0.1:8989', () => {
    expect(loadConfig([], {})).toEqual(DEFAULTS);
    expect(DEFAULTS).toMatchObject({ host: '127.0.0.1', port: 8989, tls: true });
  });
  test('flags win over environment variables', () => {
    const config = loadConfig(['--port', '9000', '--http', '--cancel-mode', 'cooperative'], {
      VTASK_PORT: '7000',
      VTASK_CANCEL_MODE: 'immediate',
      VTASK_HOST: '0.0.0.0',
    });
    expect(config).toMatchObject({ port: 9000, tls: false, cancelMode: 'cooperative', host: '0.0.0.0' });
  });
  test.each([[['--port', 'x']], [['--port', '70000']], [['--cancel-mode', 'sometimes']], [['--cert', 'a.pem']], [['--unknown']]])(
    'refuses %j with a clear message',
    (argv) => {
      expect(() => loadConfig(argv, {})).toThrow(ConfigError);
    },
  );
  test('--help lists every setting with its flag and variable', () => {
    expect(loadConfig(['--help'], {})).toBe('help');
    const help = helpText();
    for (const s of SETTINGS) {
      expect(help).toContain(`--${s.flag}`);
      expect(help).toContain(s.env);
    }
  });
  test('the README configuration table documents every setting with its default', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const s of SETTINGS) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`--${s.flag}\` | \`${s.env}\` |`));
      expect(row, `README row for --${s.flag}`).toBeDefined();
      const def = DEFAULTS[s.key];
      if (def !== undefined && def !== '') expect(row).toContain(`\`${String(def)}\``);
    }
  });
});

describe('config file, seed file and privilege table', () => {
  test('the config file is keyed by flag names; env and flags win over it', () => {
    const files: Record<string, string> = { 'c.yaml': 'port: 7000\ncancel-mode: cooperative\nhttp-ignored: 1\n' };
    expect(() => loadConfig(['--config', 'c.yaml'], {}, (p) => files[p])).toThrow(/unknown setting 'http-ignored'/);
    files['c.yaml'] = 'port: 7000\ncancel-mode: cooperative\ntls: false\nlog-level: warn\n';
    expect(loadConfig(['--config', 'c.yaml'], {}, (p) => files[p])).toMatchObject({ port: 7000, cancelMode: 'cooperative', tls: false, logLevel: 'warn' });
    expect(loadConfig(['--config', 'c.yaml', '--port', '9000'], { VTASK_LOG_LEVEL: 'debug' }, (p) => files[p])).toMatchObject({
      port: 9000,
      logLevel: 'debug',
    });
    expect(loadConfig([], { VTASK_CONFIG: 'c.yaml' }, (p) => files[p])).toMatchObject({ port: 7000 });
    files['bad.json'] = '{"port": "x"}';
    expect(() => loadConfig(['--config', 'bad.json'], {}, (p) => files[p])).toThrow(ConfigError);
  });

  test('the example config file loads', () => {
    const config = loadConfig(['--config', path.join(ROOT, 'examples/config.yaml')], {});
    expect(config).toMatchObject({ cancelMode: 'cooperative', seedFile: 'examples/seed.yaml', usersFile: 'examples/users.json' });
  });
});
