import { z } from 'zod';

/**
 * Queue and job names are frozen strings, never class names, so renaming code never strands
 * queued jobs. Each worker app fails at boot unless every job name of its queue has exactly one handler.
 */
export const QUEUES = {
  import: 'fhirlake-import',
  export: 'fhirlake-export',
  exportPart: 'fhirlake-export-part',
} as const;

export const JOB_NAMES = {
  runImport: 'import.run',
  runExport: 'export.run',
  exportPart: 'export.part',
} as const;

/** The job names each queue carries. */
export const QUEUE_JOB_NAMES: Record<(typeof QUEUES)[keyof typeof QUEUES], readonly string[]> = {
  [QUEUES.import]: [JOB_NAMES.runImport],
  [QUEUES.export]: [JOB_NAMES.runExport],
  [QUEUES.exportPart]: [JOB_NAMES.exportPart],
};

/** Payloads carry ids and a trace id only; handlers re-read the job row (it may be gone, cancelled or fenced). */
export const runJobPayload = z.object({
  jobId: z.string().regex(/^[0-9a-f]{32}$/),
  datastoreId: z.string().regex(/^[0-9a-f]{32}$/),
  traceId: z.string().min(1).max(64),
});
export type RunJobPayload = z.infer<typeof runJobPayload>;

export const exportPartPayload = runJobPayload.extend({
  /** The epoch of the claim that planned this part; a part from an older epoch is dropped. */
  epoch: z.number().int().min(1),
  partId: z.number().int().min(1),
});
export type ExportPartPayload = z.infer<typeof exportPartPayload>;

/** BullMQ job id of a job run: one per (job, admission), so re-enqueueing is idempotent. */
export const runJobQueueId = (jobId: string, admission: number) => `${jobId}-${admission}`;
