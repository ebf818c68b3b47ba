import { z } from 'zod';

/** Lifecycle events apps publish (Redis pub/sub via @nestjs/microservices). Losing one only delays: the coordinator reconciles from Postgres. */
export const JOB_EVENTS = {
  submitted: 'job.submitted',
  started: 'job.started',
  progress: 'job.progress',
  finished: 'job.finished',
  failed: 'job.failed',
  cancelRequested: 'job.cancel-requested',
} as const;
export type JobEventName = (typeof JOB_EVENTS)[keyof typeof JOB_EVENTS];

export const jobEvent = z.object({
  jobId: z.string(),
  datastoreId: z.string(),
  kind: z.enum(['IMPORT', 'EXPORT']),
  status: z.string().optional(),
  at: z.string(),
});
export type JobEvent = z.infer<typeof jobEvent>;
