// Model-based test, cancel mode immediate (the default). Thousands of short random sequences of
// task calls from several users, sessions and anonymous callers, checked step by step against
// test/robustness/model/model.ts. A second, smaller group runs with CancelTask requiring
// Global.CancelTask (--cancel-privilege).

import { describe } from 'vitest';
import { modelGroup } from './model/suite.js';

describe('model: cancel mode immediate', () => {
  modelGroup('immediate', { cancelMode: 'immediate', cancelPrivilege: '' }, {}, 4500, 70_000);
});

describe('model: cancel mode immediate, CancelTask requires Global.CancelTask', () => {
  modelGroup('immediate+cancel-privilege', { cancelMode: 'immediate', cancelPrivilege: 'Global.CancelTask' }, {}, 1000, 20_000);
});
