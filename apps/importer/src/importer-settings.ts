import { loadConfig } from '@fhirlake/config';
import { availableParallelism } from 'node:os';
import { z } from 'zod';

/** One core for the main thread (S3, Postgres); the rest parse and validate, up to four. */
const defaultParseThreads = () => Math.min(4, Math.max(1, availableParallelism() - 1));

/** Importer-only variables, validated at boot with the base environment. */
export const importerEnvSchema = z.object({
  /** Import jobs run at once by one process (each on a different datastore). */
  IMPORTER_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(1),
  /** A batch (one transaction) ends after this many input lines... */
  IMPORTER_BATCH_LINES: z.coerce.number().int().min(1).max(50_000).default(2000),
  /** ...or this many input bytes, whichever comes first. */
  IMPORTER_BATCH_BYTES: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(8 * 1024 * 1024),
  /** Threads that parse and validate line batches (0: on the main thread). */
  IMPORTER_PARSE_THREADS: z.coerce.number().int().min(0).max(32).optional(),
  /** Longer lines are customer errors (HealthLake's limit: 10 MB). */
  IMPORTER_MAX_LINE_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(10 * 1024 * 1024),
});

export interface ImporterSettings {
  concurrency: number;
  batchLines: number;
  batchBytes: number;
  parseThreads: number;
  maxLineBytes: number;
}

/** Reads the importer's settings; throws ConfigError naming any bad variable. */
export function loadImporterSettings(env: NodeJS.ProcessEnv = process.env): ImporterSettings {
  const config = loadConfig(importerEnvSchema, env);
  return {
    concurrency: config.IMPORTER_CONCURRENCY,
    batchLines: config.IMPORTER_BATCH_LINES,
    batchBytes: config.IMPORTER_BATCH_BYTES,
    parseThreads: config.IMPORTER_PARSE_THREADS ?? defaultParseThreads(),
    maxLineBytes: config.IMPORTER_MAX_LINE_BYTES,
  };
}
