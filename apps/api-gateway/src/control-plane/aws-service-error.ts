/** HealthLake's error shapes (HTTP status as the official SDK's model declares them). */
export const AWS_ERROR_STATUS = {
  ValidationException: 400,
  UnknownOperationException: 400,
  SerializationException: 400,
  AccessDeniedException: 403,
  MissingAuthenticationTokenException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  ThrottlingException: 429,
  InternalServerException: 500,
} as const;

export type AwsErrorType = keyof typeof AWS_ERROR_STATUS;

/** A control-plane error as a value; one filter renders it as an AWS JSON error. */
export class AwsServiceError extends Error {
  readonly status: number;

  constructor(
    readonly type: AwsErrorType,
    message: string,
  ) {
    super(message);
    this.name = type;
    this.status = AWS_ERROR_STATUS[type];
  }
}

export const validationError = (message: string) => new AwsServiceError('ValidationException', message);
export const notFoundError = (message: string) => new AwsServiceError('ResourceNotFoundException', message);
export const conflictError = (message: string) => new AwsServiceError('ConflictException', message);
