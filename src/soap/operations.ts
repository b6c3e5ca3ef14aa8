// The one operation table: every routed vim25 operation, built from the WSDL, with its managed
// type, the privilege it requires, and what the codec needs to decode its arguments and encode
// its result. The server builds it once per emulator, with the configured privilege overrides
// applied, and every call is looked up here exactly once.

import type { OperationDef, VimSchema } from './schema.js';

export type OperationTable = ReadonlyMap<string, OperationDef>;

export interface PrivilegeChoices {
  /** What CancelTask requires; '' or undefined: a session is enough (the reference page). */
  readonly cancelTaskPrivilege?: string;
  /** Method → privilege id, or '' for none, over the WSDL's (the --privileges file). */
  readonly overrides?: Readonly<Record<string, string>>;
}

/**
 * The WSDL's (VMODL's) privileges, with the choices contract.md makes (CancelTask needs only a
 * session unless configured otherwise), then the overrides.
 */
export function operationTable(schema: VimSchema, choices: PrivilegeChoices = {}): OperationTable {
  const table = new Map<string, OperationDef>(schema.operations);
  const withPrivilege = (name: string, privilege: string | undefined) => {
    const op = table.get(name);
    if (!op) throw new Error(`privileges: '${name}' is not an operation the server routes`);
    table.set(name, { ...op, privilege: privilege || undefined });
  };
  if (table.has('CancelTask')) withPrivilege('CancelTask', choices.cancelTaskPrivilege);
  for (const [method, privilege] of Object.entries(choices.overrides ?? {})) withPrivilege(method, privilege);
  return table;
}
