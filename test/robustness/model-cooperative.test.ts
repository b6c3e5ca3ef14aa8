// Model-based test, cancel mode cooperative (a running task is only marked cancelled; its owner
// ends it), no cancel timeout so the model needs no clock.

import { describe } from 'vitest';
import { modelGroup } from './model/suite.js';

describe('model: cancel mode cooperative', () => {
  modelGroup('cooperative', { cancelMode: 'cooperative', cancelPrivilege: '' }, { cancelTimeoutMs: 0 }, 4500, 70_000);
});
