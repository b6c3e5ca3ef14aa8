// vim.ServiceInstance: the root every client starts from (RetrieveServiceContent, CurrentTime).

import { randomUUID } from 'node:crypto';
import { ManagedObjectReference, type VimValue } from './data.js';
import { ManagedObject, type Methods } from './managed-object.js';
import type { ServiceContent } from './vim-types.js';

export interface AboutOptions {
  /** Reported as about.apiVersion, e.g. "8.0.2.0". */
  readonly apiVersion: string;
  /** Reported as about.version, e.g. "8.0.3". */
  readonly version: string;
  readonly build: string;
}

export interface ServiceContentRefs {
  readonly rootFolder: ManagedObjectReference;
  readonly propertyCollector: ManagedObjectReference;
  readonly sessionManager: ManagedObjectReference;
  readonly taskManager: ManagedObjectReference;
  readonly extensionManager: ManagedObjectReference;
  /** The other managers, by ServiceContent property name. */
  readonly others?: Readonly<Record<string, ManagedObjectReference>>;
}

export class ServiceInstance extends ManagedObject {
  readonly ref = new ManagedObjectReference('ServiceInstance', 'ServiceInstance');
  readonly typeChain = ['ServiceInstance', 'ManagedObject'];
  readonly propertyTypes = { content: 'ServiceContent', serverClock: 'xsd:dateTime', capability: 'Capability' };
  private readonly content: ServiceContent;

  constructor(refs: ServiceContentRefs, about: AboutOptions) {
    super();
    this.content = {
      ...refs.others,
      _type: 'ServiceContent',
      rootFolder: refs.rootFolder,
      propertyCollector: refs.propertyCollector,
      about: {
        _type: 'AboutInfo',
        name: 'VMware vCenter Server',
        fullName: `VMware vCenter Server ${about.version} build-${about.build}`,
        vendor: 'VMware, Inc.',
        version: about.version,
        // As vCenter 8.0.3 GA reports it; a client older than 7.0.2.0 is not sent it (docs/wire.md).
        patchLevel: '00000',
        build: about.build,
        localeVersion: 'INTL',
        localeBuild: '000',
        osType: 'linux-x64',
        productLineId: 'vpx',
        apiType: 'VirtualCenter',
        apiVersion: about.apiVersion,
        instanceUuid: randomUUID(),
        licenseProductName: 'VMware VirtualCenter Server',
        licenseProductVersion: `${about.version.split('.')[0]}.0`,
      },
      sessionManager: refs.sessionManager,
      taskManager: refs.taskManager,
      extensionManager: refs.extensionManager,
    };
  }

  readonly methods: Methods<'RetrieveServiceContent' | 'CurrentTime', ServiceInstance> = {
    RetrieveServiceContent: () => this.content,
    CurrentTime: () => new Date().toISOString(),
  };

  getProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'content':
        return this.content;
      case 'serverClock':
        return new Date().toISOString();
      default:
        return undefined;
    }
  }
}
