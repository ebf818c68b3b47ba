import { FhirError, type OperationOutcome } from '@fhirlake/fhir';
import { AwsServiceError } from '../control-plane/aws-service-error';

/**
 * Why a request was refused before reaching its handler. Rendered per route family: AWS JSON
 * errors on the control plane, OperationOutcomes on FHIR routes.
 */
export type AuthFailureKind =
  /** No credentials at all (enforce mode). */
  | 'missing-credentials'
  /** Unknown access key or session token. */
  | 'unrecognized-client'
  /** Malformed SigV4, bad signature, clock skew, wrong scope. */
  | 'invalid-signature'
  /** Bearer token rejected (bad signature, expired, wrong audience, unknown issuer). */
  | 'invalid-token'
  /** Authenticated, but no policy or scope allows the request. */
  | 'access-denied';

export class AuthFailure extends Error {
  /** How a FHIR route answers instead (e.g. 404 for resources outside a patient's compartment). */
  fhirOverride?: FhirError;

  constructor(
    readonly kind: AuthFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'AuthFailure';
  }

  /** 401 for missing/invalid bearer credentials on FHIR routes, 403 otherwise (as AWS answers). */
  get fhirStatus(): number {
    return this.kind === 'missing-credentials' || this.kind === 'invalid-token' ? 401 : 403;
  }

  toAwsError(): AwsServiceError {
    switch (this.kind) {
      case 'missing-credentials':
        return new AwsServiceError('MissingAuthenticationTokenException', this.message);
      case 'unrecognized-client':
        return new AwsServiceError('UnrecognizedClientException', this.message);
      case 'invalid-signature':
        return new AwsServiceError('InvalidSignatureException', this.message);
      case 'invalid-token':
      case 'access-denied':
        return new AwsServiceError('AccessDeniedException', this.message);
      default:
        return this.kind satisfies never;
    }
  }

  toFhirError(): FhirError {
    if (this.fhirOverride) return this.fhirOverride;
    const code = this.kind === 'access-denied' ? 'forbidden' : this.kind === 'missing-credentials' || this.kind === 'invalid-token' ? 'login' : 'security';
    const outcome: OperationOutcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics: this.message }] };
    return new FhirError(this.fhirStatus, outcome);
  }
}

export const UNRECOGNIZED_CLIENT_MESSAGE = 'The security token included in the request is invalid.';
export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
