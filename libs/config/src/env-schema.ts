import { z } from 'zod';

const LOCAL_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/fhirlake';

const optionalUrl = z.url().optional();

/** Variables every fhirlake app reads. AWS credentials come from the SDK's default provider chain. */
export const baseEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .default(LOCAL_DATABASE_URL),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key (queues, leases), so several stacks or test runs can share one Redis. */
  REDIS_PREFIX: z.string().min(1).default('fhirlake'),
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1').default('us-east-1'),
  AWS_ENDPOINT_URL: optionalUrl,
  AWS_ENDPOINT_URL_S3: optionalUrl,
  AWS_ENDPOINT_URL_KMS: optionalUrl,
  AWS_ENDPOINT_URL_IAM: optionalUrl,
  AWS_ENDPOINT_URL_STS: optionalUrl,
  FHIRLAKE_ACCOUNT_ID: z.string().regex(/^\d{12}$/, 'must be 12 digits').default('000000000000'),
  /** How often the coordinator reconciles queues with job rows (it also reacts to queue events at once). */
  FHIRLAKE_COORDINATOR_TICK_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** The service principal a job's data access role must trust (with aws:SourceAccount/aws:SourceArn conditions). */
  FHIRLAKE_SERVICE_PRINCIPAL: z.string().min(1).default('healthlake.amazonaws.com'),
  /** Real AWS: checks and workers act as the job's data access role (sts:AssumeRole) instead of fhirlake's own identity. */
  FHIRLAKE_ASSUME_ROLE: z.stringbool().default(false),
});

/** A trusted SMART on FHIR token issuer: tokens are checked against its keys, issuer and audience. */
export const smartIssuerSchema = z
  .object({
    issuer: z.string().min(1),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    jwksUri: z.url().optional(),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
    /** Datastores whose FHIR APIs accept this issuer's tokens; all when omitted. */
    datastoreIds: z.array(z.string().regex(/^[0-9a-f]{32}$/)).optional(),
  })
  .refine((issuer) => (issuer.jwksUri === undefined) !== (issuer.jwks === undefined), 'needs exactly one of jwksUri and jwks');

export type SmartIssuerConfig = z.infer<typeof smartIssuerSchema>;

// The value is never echoed in the error: it may hold secrets.
function parseJsonVariable(value: string, ctx: z.RefinementCtx): unknown {
  try {
    return JSON.parse(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
    return z.NEVER;
  }
}

/** The api-gateway also listens on HTTP and advertises its public base URL in DatastoreEndpoint. */
export const gatewayEnvSchema = baseEnvSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080), // 0 = any free port (tests)
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Public base URL (scheme://host[:port]) used in DatastoreEndpoint and Location headers; defaults to the request's host. */
  FHIRLAKE_PUBLIC_URL: optionalUrl,
  /** Largest accepted request body. */
  FHIRLAKE_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(6 * 1024 * 1024),
  /** `enforce`: every request authenticated and authorized. `dev`: unsigned loopback requests act as an admin. */
  FHIRLAKE_AUTH_MODE: z.enum(['enforce', 'dev']).default('enforce'),
  /** JSON file of IAM-style principals (access keys + identity policies); reloaded on SIGHUP. */
  FHIRLAKE_PRINCIPALS_FILE: z.string().min(1).optional(),
  /** JSON array of trusted SMART on FHIR issuers: [{ issuer, audience, jwksUri? | jwks?, datastoreIds? }]. */
  FHIRLAKE_SMART_ISSUERS: z.string().default('[]').transform(parseJsonVariable).pipe(z.array(smartIssuerSchema)),
  /** Service principal that data access roles are passed to (`iam:PassedToService`). */
  FHIRLAKE_SERVICE_PRINCIPAL: z.string().min(1).default('healthlake.amazonaws.com'),
});

export type BaseEnv = z.infer<typeof baseEnvSchema>;
export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;

/** Every log level at least as severe as `level` (the list NestJS's logger option expects). */
export function logLevelsUpTo(level: BaseEnv['LOG_LEVEL']): Array<(typeof LOG_LEVELS)[number]> {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
}
