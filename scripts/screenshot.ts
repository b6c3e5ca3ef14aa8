// npm run screenshot: saves docs/img/recent-tasks.png, the Recent Tasks page at 1280×800 with a
// dozen tasks in various states. A script rather than a test, so CI leaves the clone clean.
//
//   npx tsx scripts/screenshot.ts [--out docs/img/recent-tasks.png] [--dark] [--detail]

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildPage, launchBrowser } from '../test/helpers/browser.js';
import { ROOT, startEmulator } from '../test/helpers/emulator.js';
import { SoapSession } from '../test/helpers/soap-client.js';
import { createTask, ok, setState, taskCall } from '../test/helpers/tasks.js';
import { registerTaskTypes } from '../test/helpers/ui.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(ROOT, 'docs/img/recent-tasks.png') },
    dark: { type: 'boolean', default: false },
    detail: { type: 'boolean', default: false },
  },
});

const LABELS: Record<string, string> = {
  'com.example.vm.deploy': 'Deploy OVF template',
  'com.example.vm.clone': 'Clone virtual machine',
  'com.example.vm.migrate': 'Migrate virtual machine',
  'com.example.vm.snapshot': 'Create virtual machine snapshot',
  'com.example.vm.reconfigure': 'Reconfigure virtual machine',
  'com.example.vm.power-on': 'Power On virtual machine',
  'com.example.vm.export': 'Export OVF template',
};

interface Step {
  readonly type: string;
  readonly target: string;
  readonly user: string;
  readonly details?: string;
  readonly progress?: number;
  readonly end?: 'success' | 'error' | 'cancel' | 'queued';
  readonly fault?: readonly [string, string];
}

// Oldest first: the page lists the newest at the top.
const STEPS: readonly Step[] = [
  { type: 'com.example.vm.power-on', target: 'db-02', user: 'VSPHERE.LOCAL\\Administrator', end: 'success' },
  { type: 'com.example.vm.snapshot', target: 'web-01', user: 'ci-runner', details: 'Quiescing guest file system', end: 'success' },
  {
    type: 'com.example.vm.migrate',
    target: 'app-03',
    user: 'ci-runner',
    details: 'Checking compatibility',
    end: 'error',
    fault: ['InsufficientResourcesFault', 'Not enough CPU on host esx-07.'],
  },
  { type: 'com.example.vm.reconfigure', target: 'web-02', user: 'alice', end: 'success' },
  { type: 'com.example.vm.export', target: 'template-ubuntu', user: 'alice', details: 'Exporting disk 1 of 2', end: 'cancel' },
  { type: 'com.example.vm.clone', target: 'web-01', user: 'ci-runner', details: 'Copying virtual disk', end: 'success' },
  {
    type: 'com.example.vm.deploy',
    target: 'cluster-a',
    user: 'ci-runner',
    details: 'Validating OVF descriptor',
    end: 'error',
    fault: ['NotFound', 'The datastore ds-ssd-02 was not found.'],
  },
  { type: 'com.example.vm.power-on', target: 'web-03', user: 'VSPHERE.LOCAL\\Administrator', end: 'success' },
  { type: 'com.example.vm.clone', target: 'db-02', user: 'alice', details: 'Copying virtual disk 2 of 3', progress: 87 },
  { type: 'com.example.vm.migrate', target: 'app-01', user: 'ci-runner', details: 'Transferring memory', progress: 58 },
  { type: 'com.example.vm.deploy', target: 'cluster-b', user: 'ci-runner', details: 'Uploading disk', progress: 23 },
  { type: 'com.example.vm.snapshot', target: 'app-02', user: 'alice', end: 'queued' },
];

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

async function main(): Promise<void> {
  buildPage();
  const emu = await startEmulator();
  const browser = await launchBrowser({ colorScheme: values.dark ? 'dark' : 'light' });
  try {
    const s = new SoapSession(emu.url());
    ok(await s.login());
    await registerTaskTypes(s, 'com.example.vm', LABELS);
    const keys: string[] = [];
    for (const step of STEPS) {
      const task = await createTask(s, { taskTypeId: step.type, initiatedBy: escapeHtml(step.user), obj: `<obj type="VirtualMachine">${step.target}</obj>` });
      keys.push(task);
      if (step.end === 'queued') continue;
      ok(await setState(s, task, 'running'));
      if (step.details)
        ok(
          await taskCall(s, task, 'SetTaskDescription', `<description><key>com.example.step</key><message>${escapeHtml(step.details)}</message></description>`),
        );
      for (const percent of [10, 35, 60, 80])
        if (percent <= (step.progress ?? 100)) ok(await taskCall(s, task, 'UpdateProgress', `<percentDone>${percent}</percentDone>`));
      if (step.progress !== undefined) ok(await taskCall(s, task, 'UpdateProgress', `<percentDone>${step.progress}</percentDone>`));
      if (step.end === 'success') ok(await setState(s, task, 'success'));
      if (step.end === 'cancel') ok(await taskCall(s, task, 'CancelTask'));
      if (step.end === 'error') {
        const [type, message] = step.fault!;
        ok(await setState(s, task, 'error', `<fault><fault xsi:type="${type}"></fault><localizedMessage>${escapeHtml(message)}</localizedMessage></fault>`));
      }
      await new Promise((r) => setTimeout(r, 40));
    }

    const page = await browser.newPage();
    const open = values.detail ? `?task=${keys[2]}` : '';
    await page.goto(`${emu.url()}/ui/${open}`);
    await page.waitForSelector(`#task-rows tr[data-key="${keys[0]}"]`);
    if (values.detail) await page.waitForSelector('#detail .timeline li');
    // Let the last frame and fonts settle.
    await page.waitForTimeout(300);
    mkdirSync(path.dirname(values.out!), { recursive: true });
    await page.screenshot({ path: values.out!, caret: 'hide', animations: 'disabled' });
    console.log(`saved ${path.relative(process.cwd(), values.out!)}`);
  } finally {
    await browser.close();
    await emu.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
