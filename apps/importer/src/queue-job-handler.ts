import type { RunJobPayload } from '@fhirlake/jobs';

/** A handler for one frozen job name of a queue. */
export interface QueueJobHandler {
  readonly jobName: string;
  /** `shutdown` aborts when the process is stopping: return promptly, committing nothing more. */
  handle(payload: RunJobPayload, shutdown: AbortSignal): Promise<void>;
}

/** Nest token for the importer queue's handlers. */
export const IMPORT_JOB_HANDLERS = Symbol('IMPORT_JOB_HANDLERS');

/** Fails unless every job name of the queue has exactly one handler, and no handler serves another name. */
export function assertHandlersCoverQueue(queue: string, jobNames: readonly string[], handlers: readonly QueueJobHandler[]): Map<string, QueueJobHandler> {
  const problems: string[] = [];
  for (const name of jobNames) {
    const count = handlers.filter((h) => h.jobName === name).length;
    if (count !== 1) problems.push(`job name ${name} has ${count} handlers`);
  }
  for (const h of handlers) if (!jobNames.includes(h.jobName)) problems.push(`handler for unknown job name ${h.jobName}`);
  if (problems.length > 0) throw new Error(`Queue ${queue}: ${problems.join('; ')} (exactly one handler per job name is required)`);
  return new Map(handlers.map((h) => [h.jobName, h]));
}
