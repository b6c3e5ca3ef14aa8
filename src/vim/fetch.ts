// Fetch: one property (or nested path) of the object it is called on. pyVmomi 8 reads every
// managed property this way instead of through the PropertyCollector, so it must answer exactly
// what a PropertyCollector read of the same path answers: the same value, typed the same way,
// and the same faults (InvalidProperty, NotAuthenticated before login).

import type { VimValue } from './data.js';
import type { CallContext, ManagedObject } from './managed-object.js';
import { readPath } from './property-query.js';
import type { FetchArgs } from './vim-types.js';

export function fetchProperty(this: ManagedObject, ctx: CallContext, args: FetchArgs): VimValue | undefined {
  return readPath(this, args.prop, ctx);
}
