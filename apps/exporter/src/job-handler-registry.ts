import { QUEUE_JOB_NAMES } from '@fhirlake/jobs';
import type { Job } from 'bullmq';

/** One tiny typed handler: a frozen job name on a queue, and what to do with its data. */
export interface JobHandler {
  queue: string;
  jobName: string;
  /** `token` is the worker's lock token for `job` (needed to move it, e.g. back to delayed). */
  handle(job: Job, token?: string): Promise<unknown>;
}

/**
 * Checks at boot that every job name of `queues` has exactly one handler and that no handler
 * serves a name its queue does not carry; returns the handlers by queue and name.
 */
export function buildHandlerRegistry(queues: readonly string[], handlers: readonly JobHandler[], queueJobNames: Record<string, readonly string[]> = QUEUE_JOB_NAMES): Map<string, Map<string, JobHandler>> {
  const problems: string[] = [];
  const registry = new Map<string, Map<string, JobHandler>>();
  for (const queue of queues) {
    const names = queueJobNames[queue];
    if (!names) {
      problems.push(`unknown queue ${queue}`);
      continue;
    }
    const byName = new Map<string, JobHandler>();
    for (const name of names) {
      const found = handlers.filter((h) => h.queue === queue && h.jobName === name);
      if (found.length !== 1) problems.push(`job ${name} on queue ${queue} has ${found.length} handlers (exactly 1 required)`);
      else byName.set(name, found[0]);
    }
    registry.set(queue, byName);
  }
  for (const h of handlers) {
    if (!queues.includes(h.queue) || !queueJobNames[h.queue]?.includes(h.jobName)) problems.push(`handler for ${h.jobName} on queue ${h.queue} serves no job name of this app's queues`);
  }
  if (problems.length > 0) throw new Error(`Job handlers are misconfigured: ${problems.join('; ')}`);
  return registry;
}
