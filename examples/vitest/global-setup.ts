// Starts vtask-emulator before any test file runs and stops it after the last.
import { startEmulator } from 'vtask-emulator';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    vcenterUrl: string;
    vcenterCertificate: string;
  }
}

export default async function setup(project: TestProject) {
  const emulator = await startEmulator({ cancelMode: 'cooperative' });
  project.provide('vcenterUrl', emulator.url);
  project.provide('vcenterCertificate', emulator.certificatePem ?? '');
  return () => emulator.close();
}
