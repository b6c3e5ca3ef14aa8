// The one catalogue of vim25 faults the emulator raises. Each is a value: its WSDL type name,
// the human message that becomes the SOAP faultstring, and the fault's own fields. The SOAP
// layer encodes every one of them the same way (Encoder.fault in src/soap/encoder.ts).

import { dataObject, type ManagedObjectReference, type VimValue } from './data.js';
import type { LocalizedMethodFault, MethodFault as MethodFaultObject } from './vim-types.js';

export class MethodFault extends Error {
  constructor(
    readonly faultType: string,
    message: string,
    readonly fields: Readonly<Record<string, VimValue | undefined>> = {},
  ) {
    super(message);
    this.name = faultType;
  }

  /**
   * The fault as a data object, e.g. for TaskInfo.error or the SOAP detail element. Its fields
   * are the ones this fault type declares (each subclass names its own; an injected fault's are
   * checked against the WSDL when the rule is made), which is what makes it a MethodFault.
   */
  toDataObject(): MethodFaultObject {
    return dataObject(this.faultType, this.fields) as MethodFaultObject;
  }
}

export class InvalidState extends MethodFault {
  constructor(message = 'The operation is not allowed in the current state.') {
    super('InvalidState', message);
  }
}

export class NotSupported extends MethodFault {
  constructor(message = 'The operation is not supported on the object.') {
    super('NotSupported', message);
  }
}

export class InvalidRequest extends MethodFault {
  constructor(message: string) {
    super('InvalidRequest', message);
  }
}

export class InvalidArgument extends MethodFault {
  constructor(invalidProperty: string, message = `A specified parameter was not correct: ${invalidProperty}`) {
    super('InvalidArgument', message, { invalidProperty });
  }
}

export class ManagedObjectNotFound extends MethodFault {
  constructor(obj: ManagedObjectReference, message = `The object '${obj.toString()}' has already been deleted or has not been completely created`) {
    super('ManagedObjectNotFound', message, { obj });
  }
}

export class MethodNotFound extends MethodFault {
  constructor(receiver: ManagedObjectReference, method: string) {
    super('MethodNotFound', `The method '${method}' is not supported on ${receiver.toString()}`, { receiver, method });
  }
}

export class NoPermission extends MethodFault {
  constructor(object: ManagedObjectReference, privilegeId: string) {
    super('NoPermission', `Permission to perform this operation was denied. Required privilege '${privilegeId}' on object '${object.toString()}'.`, {
      object,
      privilegeId,
      // vCenter 7.0.3.2 and later also list what is missing, per object; clients that name an
      // older version in SOAPAction are not sent it.
      missingPrivileges: [{ _type: 'NoPermissionEntityPrivileges', entity: object, privilegeIds: [privilegeId] }],
    });
  }
}

export class NotAuthenticated extends MethodFault {
  constructor(object: ManagedObjectReference, privilegeId = 'System.View') {
    super('NotAuthenticated', 'The session is not authenticated.', { object, privilegeId });
  }
}

export class InvalidLogin extends MethodFault {
  constructor(message = 'Cannot complete login due to an incorrect user name or password.') {
    super('InvalidLogin', message);
  }
}

/** A certificate login or binding on a connection that presented no TLS client certificate. */
export class NoClientCertificate extends MethodFault {
  constructor(message = 'The connection did not present a TLS client certificate.') {
    super('NoClientCertificate', message);
  }
}

export class RequestCanceled extends MethodFault {
  constructor(message = 'The task was canceled by a user.') {
    super('RequestCanceled', message);
  }
}

export class NotFound extends MethodFault {
  constructor(message = 'The object or item referred to could not be found.') {
    super('NotFound', message);
  }
}

export class InvalidProperty extends MethodFault {
  constructor(name: string) {
    super('InvalidProperty', `Property '${name}' is not valid.`, { name });
  }
}

export class InvalidCollectorVersion extends MethodFault {
  constructor() {
    super('InvalidCollectorVersion', 'The collector version is not valid.');
  }
}

export class SystemError extends MethodFault {
  constructor(reason: string) {
    super('SystemError', `A general system error occurred: ${reason}`, { reason });
  }
}

/** Wraps a fault as TaskInfo.error stores it. */
export function localizedMethodFault(fault: MethodFaultObject, localizedMessage?: string): LocalizedMethodFault {
  return localizedMessage === undefined ? { _type: 'LocalizedMethodFault', fault } : { _type: 'LocalizedMethodFault', fault, localizedMessage };
}

/**
 * A client-made object or value went past one of the emulator's limits where vCenter has no
 * fault of its own for it. `property` names the setting (its Config key) so the client's author
 * knows what to raise; `limit` is its value.
 */
export class LimitExceeded extends MethodFault {
  constructor(property: string, limit: number, message: string) {
    super('LimitExceeded', `${message} (limit ${property} = ${limit})`, { property, limit });
  }
}
