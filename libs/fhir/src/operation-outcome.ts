import type { OperationOutcome, OperationOutcomeIssue } from './fhir-types';

/** OperationOutcome.issue.code values this library emits (subset of the FHIR `issue-type` value set). */
export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'invariant'
  | 'processing'
  | 'not-supported'
  | 'not-found'
  | 'deleted'
  | 'conflict'
  | 'forbidden'
  | 'too-costly'
  | 'exception'
  | 'informational';

/** One problem found in a resource; maps 1:1 to an OperationOutcome issue. */
export interface ValidationIssue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  code: IssueCode;
  /** Human-readable message; never contains server internals. */
  diagnostics: string;
  /** FHIRPath of the offending element, e.g. `Patient.name[0].given`, when known. */
  expression?: string;
}

/**
 * A FHIR error as a value: an HTTP status plus the OperationOutcome to return as the body.
 * Thrown by libraries and mapped to a response by a single exception filter in the API.
 */
export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: OperationOutcome,
  ) {
    super(outcome.issue?.[0]?.diagnostics ?? `FHIR error ${status}`);
    this.name = 'FhirError';
  }
}

/** Builds an OperationOutcome from issues. */
export function operationOutcome(issues: readonly ValidationIssue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i): OperationOutcomeIssue => {
      const issue: OperationOutcomeIssue = { severity: i.severity, code: i.code, diagnostics: i.diagnostics };
      if (i.expression !== undefined) issue.expression = [i.expression];
      return issue;
    }),
  };
}

function fhirError(status: number, code: IssueCode, diagnostics: string, expression?: string): FhirError {
  return new FhirError(status, operationOutcome([{ severity: 'error', code, diagnostics, expression }]));
}

/** 400: the request or resource could not be parsed or failed basic FHIR rules. */
export function badRequest(msg: string, expression?: string, code: 'invalid' | 'structure' = 'invalid'): FhirError {
  return fhirError(400, code, msg, expression);
}

/** 400 carrying several validation issues (e.g. structural errors found by the validator). */
export function invalidResource(issues: readonly ValidationIssue[]): FhirError {
  return new FhirError(400, operationOutcome(issues));
}

/** 403: the caller is authenticated but not allowed to do this. */
export function forbidden(msg: string): FhirError {
  return fhirError(403, 'forbidden', msg);
}

/** 404: unknown resource, type or endpoint. */
export function notFound(msg: string): FhirError {
  return fhirError(404, 'not-found', msg);
}

/** 405: the interaction is not allowed on this endpoint. */
export function methodNotAllowed(msg = 'Method not allowed'): FhirError {
  return fhirError(405, 'not-supported', msg);
}

/** 409: version conflict or duplicate. */
export function conflict(msg: string): FhirError {
  return fhirError(409, 'conflict', msg);
}

/** 410: the resource existed but was deleted. */
export function gone(msg: string): FhirError {
  return fhirError(410, 'deleted', msg);
}

/** 412: `If-Match` / conditional precondition failed. */
export function preconditionFailed(msg: string): FhirError {
  return fhirError(412, 'conflict', msg);
}

/** 413: the request body exceeds the configured limit. */
export function payloadTooLarge(msg = 'Payload too large'): FhirError {
  return fhirError(413, 'too-costly', msg);
}

/**
 * 422: the resource is well-formed but violates FHIR rules (missing required elements, bad codes).
 * Issues should use codes `processing`, `invariant`, `required` or `value`.
 */
export function unprocessable(issues: readonly ValidationIssue[]): FhirError {
  return new FhirError(422, operationOutcome(issues));
}

/** 501-style "not supported" reported as 400 per FHIR (unsupported parameter, interaction or feature). */
export function notSupported(msg: string): FhirError {
  return fhirError(400, 'not-supported', msg);
}

/**
 * 500 with a generic message that only names an error id; the details are logged under that id,
 * never returned to the client.
 */
export function serverError(errorId: string): FhirError {
  return fhirError(500, 'exception', `Internal server error (error id ${errorId})`);
}

/** A success OperationOutcome (e.g. for DELETE or `$validate`). */
export function allOk(msg = 'All OK'): OperationOutcome {
  return operationOutcome([{ severity: 'information', code: 'informational', diagnostics: msg }]);
}
