/** DI tokens for values that are not classes. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const PG_POOL = Symbol('PG_POOL');
export const ARN_CONTEXT = Symbol('ARN_CONTEXT');
export const S3_CLIENT = Symbol('S3_CLIENT');
export const KMS_CLIENT = Symbol('KMS_CLIENT');
export const IAM_CLIENT = Symbol('IAM_CLIENT');
export const STS_CLIENT = Symbol('STS_CLIENT');
