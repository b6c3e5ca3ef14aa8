// One emulator for the whole test run, started by globalSetup and handed to the tests through
// vitest's provide/inject.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['*.test.ts'],
    globalSetup: ['./global-setup.ts'],
  },
});
