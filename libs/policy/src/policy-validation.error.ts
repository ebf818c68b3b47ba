/**
 * Thrown when a policy document is malformed. The message names the offending
 * part, e.g. `Statement[1].Effect must be "Allow" or "Deny"`.
 */
export class PolicyValidationError extends Error {
  /** Path of the offending element, e.g. `Statement[1].Effect`; empty for document-level errors. */
  readonly path: string;

  constructor(message: string, path = '') {
    super(message);
    this.name = 'PolicyValidationError';
    this.path = path;
  }
}
