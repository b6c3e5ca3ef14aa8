// Debian's Chromium driven by playwright-core, for the browser suite and `npm run screenshot`.
// Nothing here downloads a browser: without /usr/bin/chromium the suite fails and says why.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './emulator.js';

export const CHROMIUM = '/usr/bin/chromium';
export const PAGE_DIR = path.join(ROOT, 'dist/ui');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Builds the page (ui/) into dist/ui, as `npm run build:ui` does. It compiles into a scratch
 * directory and then renames each file into place, so browser test files running in parallel
 * never serve a half-written file to each other.
 */
export function buildPage(): void {
  mkdirSync(path.join(ROOT, 'dist'), { recursive: true });
  const scratch = mkdtempSync(path.join(ROOT, 'dist', '.ui-build-'));
  try {
    const tsc = spawnSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'ui/tsconfig.json'), '--outDir', scratch],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    if (tsc.status !== 0) throw new Error(`building the page failed:\n${tsc.stdout}${tsc.stderr}`);
    const ui = path.join(ROOT, 'ui');
    for (const name of readdirSync(ui)) {
      if (name === 'tsconfig.json' || statSync(path.join(ui, name)).isDirectory()) continue;
      copyFileSync(path.join(ui, name), path.join(scratch, name));
    }
    mkdirSync(PAGE_DIR, { recursive: true });
    for (const name of readdirSync(scratch)) renameSync(path.join(scratch, name), path.join(PAGE_DIR, name));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface Browser {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Chromium with a fresh profile, at the 1280×800 the page is designed for. */
export async function launchBrowser(options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the browser suite drives Debian's Chromium (apt-get install chromium) and never downloads one`);
  }
  const profile = mkdtempSync(path.join(tmpdir(), 'vtask-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    ignoreHTTPSErrors: true,
  });
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * The browser of one test file. Started in beforeAll without throwing there (vitest would then
 * skip the file's tests): a missing Chromium or a page that does not build fails every test.
 */
export class BrowserSuite {
  private browser: Browser | undefined;
  private error: unknown;

  async start(options?: Parameters<typeof launchBrowser>[0]): Promise<void> {
    try {
      buildPage();
      this.browser = await launchBrowser(options);
    } catch (error) {
      this.error = error;
    }
  }

  get(): Browser {
    if (!this.browser) throw this.error instanceof Error ? this.error : new Error('the browser was not started');
    return this.browser;
  }

  async close(): Promise<void> {
    await this.browser?.close();
  }
}
