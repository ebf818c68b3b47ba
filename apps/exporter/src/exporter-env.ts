import { baseEnvSchema } from '@fhirlake/config';
import { z } from 'zod';

/** The exporter's settings on top of the base environment. */
export const exporterEnvSchema = baseEnvSchema.extend({
  /** Coordinating runs (one per export job) this process handles at once. */
  EXPORTER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Export parts (one output file each) this process streams at once; each buffers up to ~20 MB (one S3 part). Keep DATABASE_POOL_SIZE above it. */
  EXPORTER_PART_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** How often a coordinating run checks its parts and a part checks its job (cancel, fencing). */
  EXPORTER_POLL_MS: z.coerce.number().int().min(20).max(10_000).default(250),
  /** Pause before each part (throttling; tests use it to act while an export runs). */
  EXPORTER_PART_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  /** Without any part finishing for this long, a run re-checks that its unfinished parts are still queued (Redis loss). */
  EXPORTER_STALL_CHECK_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** Attempts per part before it is recorded as failed (its type then appears in the job's errors). */
  EXPORTER_PART_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(4),
  /**
   * With FHIRLAKE_ASSUME_ROLE=true: how long a job's own S3/KMS clients (its data access role's
   * session) outlive the job's last part on this replica, so the next part needs no new sts:AssumeRole.
   */
  EXPORTER_JOB_CLIENTS_IDLE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
});

export type ExporterEnv = z.infer<typeof exporterEnvSchema>;
