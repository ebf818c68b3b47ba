import {
  allOk,
  badRequest,
  conflict,
  FhirError,
  forbidden,
  gone,
  methodNotAllowed,
  notFound,
  notSupported,
  payloadTooLarge,
  preconditionFailed,
  serverError,
  unprocessable,
} from './operation-outcome';

describe('OperationOutcome builders', () => {
  it.each([
    [badRequest('bad'), 400, 'invalid'],
    [forbidden('no'), 403, 'forbidden'],
    [notFound('Patient/1 not found'), 404, 'not-found'],
    [methodNotAllowed(), 405, 'not-supported'],
    [conflict('dup'), 409, 'conflict'],
    [gone('deleted'), 410, 'deleted'],
    [preconditionFailed('If-Match'), 412, 'conflict'],
    [payloadTooLarge(), 413, 'too-costly'],
    [notSupported('_filter'), 400, 'not-supported'],
    [serverError('abc-123'), 500, 'exception'],
  ])('maps %#: status and issue code', (err, status, code) => {
    expect(err).toBeInstanceOf(FhirError);
    expect(err).toBeInstanceOf(Error);
    expect(err.status).toBe(status);
    expect(err.outcome.resourceType).toBe('OperationOutcome');
    expect(err.outcome.issue).toHaveLength(1);
    expect(err.outcome.issue[0]).toMatchObject({ severity: 'error', code });
    expect(typeof err.outcome.issue[0].diagnostics).toBe('string');
  });

  it('carries the FHIRPath expression when given', () => {
    const err = badRequest('Invalid date', 'Patient.birthDate', 'structure');
    expect(err.outcome.issue[0]).toEqual({
      severity: 'error',
      code: 'structure',
      diagnostics: 'Invalid date',
      expression: ['Patient.birthDate'],
    });
    expect(err.message).toBe('Invalid date');
  });

  it('omits expression when unknown', () => {
    expect(notFound('x').outcome.issue[0]).not.toHaveProperty('expression');
  });

  it('422 keeps every issue', () => {
    const err = unprocessable([
      { severity: 'error', code: 'required', diagnostics: 'Missing status', expression: 'Observation.status' },
      { severity: 'error', code: 'value', diagnostics: 'Bad code', expression: 'Observation.category' },
    ]);
    expect(err.status).toBe(422);
    expect(err.outcome.issue.map((i) => i.code)).toEqual(['required', 'value']);
    expect(err.outcome.issue[0].expression).toEqual(['Observation.status']);
  });

  it('500 exposes only the error id, never internals', () => {
    const err = serverError('err-42');
    expect(err.outcome.issue[0].diagnostics).toBe('Internal server error (error id err-42)');
  });

  it('allOk is an informational outcome', () => {
    expect(allOk('Deleted')).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', diagnostics: 'Deleted' }],
    });
  });
});
