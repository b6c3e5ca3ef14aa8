// Why a control request cannot be carried out as given. The routes turn each kind into its HTTP
// status; nothing below the routes knows HTTP.

/**
 * 'invalid': malformed, or names unknown types; 'not-found': names something that does not
 * exist; 'conflict': the task rules refuse it.
 */
export type ControlErrorKind = 'invalid' | 'not-found' | 'conflict';

export class ControlError extends Error {
  constructor(
    message: string,
    readonly kind: ControlErrorKind = 'invalid',
  ) {
    super(message);
  }
}
