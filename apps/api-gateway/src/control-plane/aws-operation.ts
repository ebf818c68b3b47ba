/** What a control-plane operation knows about the call it serves. */
export interface OperationContext {
  /** scheme://host[:port] that clients reach this gateway at. */
  baseUrl: string;
  requestId: string;
  /** The authenticated caller (principal ARN or SMART subject), recorded on jobs. */
  principal?: string;
}

export type AwsOperationHandler = (input: unknown, context: OperationContext) => Promise<object>;

/** A feature's HealthLake operations, keyed by operation name (the part after "HealthLake." in X-Amz-Target). */
export interface AwsOperationProvider {
  operations(): Record<string, AwsOperationHandler>;
}

/** DI token: every AwsOperationProvider of the gateway. */
export const AWS_OPERATION_PROVIDERS = Symbol('AWS_OPERATION_PROVIDERS');
