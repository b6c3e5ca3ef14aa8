// vim.ClusterComputeResource: a compute resource of several hosts. Its own settings (DRS, HA)
// are not emulated; its *_Task methods run like every other (method-tasks.ts).

import { ComputeResource } from './ComputeResource.js';
import { entityChain } from './entity.js';

const TYPE_CHAIN = entityChain('ClusterComputeResource', 'ComputeResource');

export class ClusterComputeResource extends ComputeResource {
  override get typeChain(): readonly string[] {
    return TYPE_CHAIN;
  }
}
