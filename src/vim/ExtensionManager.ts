// vim.ExtensionManager: registered extensions, and through their taskList the task types
// TaskManager.CreateTask accepts; and the client certificate each extension logs in with
// (SetExtensionCertificate, checked by SessionManager.LoginExtensionByCertificate).

import { X509Certificate } from 'node:crypto';
import { ManagedObjectReference, type VimValue } from './data.js';
import { InvalidArgument, NoClientCertificate, NotFound } from './faults.js';
import { ManagedObject, type CallContext, type Methods } from './managed-object.js';
import type { ExtensionCertificates } from './SessionManager.js';
import type { ObjectRegistry } from './registry.js';
import type { TaskTypeCatalog } from './TaskManager.js';
import type { Extension, SetExtensionCertificateArgs } from './vim-types.js';

/** Pre-registered so govc and govmomi examples written for vcsim work unchanged. */
export const GOVMOMI_SIMULATOR_EXTENSION = 'com.vmware.govmomi.simulator';
export const GOVMOMI_SIMULATOR_TASK_TYPE = 'com.vmware.govmomi.simulator.test';

export function simpleExtension(key: string, taskTypeIds: readonly string[], label = key): Extension {
  return {
    _type: 'Extension',
    description: { _type: 'Description', label, summary: label },
    key,
    version: '1.0',
    taskList: taskTypeIds.map((taskID) => ({ _type: 'ExtensionTaskTypeInfo', taskID })),
    lastHeartbeatTime: '1970-01-01T00:00:00Z',
  };
}

/** The SHA-256 fingerprint of a PEM certificate, in the form TLS peers report it; undefined if it is not one. */
export function certificateFingerprint(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    return undefined;
  }
}

export class ExtensionManager extends ManagedObject implements TaskTypeCatalog, ExtensionCertificates {
  readonly ref = new ManagedObjectReference('ExtensionManager', 'ExtensionManager');
  readonly typeChain = ['ExtensionManager', 'ManagedObject'];
  readonly propertyTypes = { extensionList: 'ArrayOfExtension' };
  private readonly extensions = new Map<string, Extension>();
  /** Extension key → fingerprint of the client certificate bound to it. */
  private readonly certificates = new Map<string, string>();

  constructor(
    private readonly registry: ObjectRegistry,
    private readonly initial: readonly Extension[],
  ) {
    super();
    this.reset();
  }

  /** Back to the extensions registered at start. */
  reset(): void {
    this.extensions.clear();
    this.certificates.clear();
    for (const extension of this.initial) this.extensions.set(extension.key, extension);
    this.registry.changed(this, ['extensionList']);
  }

  /** Replaces every extension with a state document's (the ones registered at start included). */
  restore(extensions: readonly Extension[]): void {
    this.extensions.clear();
    for (const extension of extensions) this.extensions.set(extension.key, extension);
    this.registry.changed(this, ['extensionList']);
  }

  /** Registers or replaces an extension (seeds). */
  put(extension: Extension): void {
    this.extensions.set(extension.key, extension);
    this.registry.changed(this, ['extensionList']);
  }

  readonly methods: Methods<'RegisterExtension' | 'UnregisterExtension' | 'FindExtension' | 'UpdateExtension' | 'SetExtensionCertificate', ExtensionManager> = {
    RegisterExtension: (_ctx, args) => this.register(args.extension),
    UnregisterExtension: (_ctx, args) => this.unregister(args.extensionKey),
    FindExtension: (_ctx, args) => this.extensions.get(args.extensionKey),
    UpdateExtension: (_ctx, args) => this.updateExtension(args.extension),
    SetExtensionCertificate: (ctx, args) => this.setCertificate(ctx, args),
  };

  /**
   * Binds a certificate to a registered extension, replacing any bound before: the PEM given,
   * or else the TLS client certificate this call's connection presented (as vCenter does).
   */
  private setCertificate(ctx: CallContext, args: SetExtensionCertificateArgs): void {
    if (!this.extensions.has(args.extensionKey)) throw new NotFound(`No extension with key '${args.extensionKey}' is registered.`);
    let fingerprint: string | undefined;
    if (args.certificatePem) {
      fingerprint = certificateFingerprint(args.certificatePem);
      if (!fingerprint) throw new InvalidArgument('certificatePem', 'certificatePem is not a PEM-encoded X.509 certificate.');
    } else {
      fingerprint = ctx.connection.clientCertificate;
      if (!fingerprint) throw new NoClientCertificate('Give certificatePem, or call over a connection that presents a TLS client certificate.');
    }
    this.certificates.set(args.extensionKey, fingerprint);
  }

  certifies(extensionKey: string, fingerprint: string): boolean {
    return this.extensions.has(extensionKey) && this.certificates.get(extensionKey) === fingerprint;
  }

  /** Every registered extension. */
  list(): Extension[] {
    return [...this.extensions.values()];
  }

  getProperty(name: string): VimValue | undefined {
    return name === 'extensionList' ? [...this.extensions.values()] : undefined;
  }

  hasTaskType(taskTypeId: string): boolean {
    for (const extension of this.extensions.values()) {
      if (extension.taskList?.some((t) => t.taskID === taskTypeId)) return true;
    }
    return false;
  }

  private register(extension: Extension): void {
    const key = extension.key;
    if (this.extensions.has(key)) throw new InvalidArgument('extension.key', `An extension with key '${key}' is already registered.`);
    this.extensions.set(key, extension);
    this.registry.changed(this, ['extensionList']);
  }

  private updateExtension(extension: Extension): void {
    const key = extension.key;
    if (!this.extensions.has(key)) throw new NotFound(`No extension with key '${key}' is registered.`);
    this.extensions.set(key, extension);
    this.registry.changed(this, ['extensionList']);
  }

  private unregister(key: string): void {
    if (!this.extensions.delete(key)) throw new NotFound(`No extension with key '${key}' is registered.`);
    this.certificates.delete(key);
    this.registry.changed(this, ['extensionList']);
  }
}
