/** HealthLake's job statuses, in the order a job usually moves through them. */
export const JOB_STATUSES = [
  'SUBMITTED',
  'QUEUED',
  'IN_PROGRESS',
  'COMPLETED_WITH_ERRORS',
  'COMPLETED',
  'FAILED',
  'CANCEL_SUBMITTED',
  'CANCEL_IN_PROGRESS',
  'CANCEL_COMPLETED',
  'CANCEL_FAILED',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export type JobKind = 'IMPORT' | 'EXPORT';

/** Waiting for admission: at most one job per datastore leaves this state at a time, FIFO. */
export const WAITING_STATUSES = ['SUBMITTED', 'QUEUED'] as const satisfies readonly JobStatus[];

/** Holding the datastore's single active slot (the partial unique index in the jobs migration). */
export const ACTIVE_STATUSES = ['IN_PROGRESS', 'CANCEL_SUBMITTED', 'CANCEL_IN_PROGRESS'] as const satisfies readonly JobStatus[];

/** Final: the job will never change again (the SDK waiters stop here). */
export const TERMINAL_STATUSES = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCEL_COMPLETED', 'CANCEL_FAILED'] as const satisfies readonly JobStatus[];

export const isTerminal = (status: JobStatus): boolean => (TERMINAL_STATUSES as readonly JobStatus[]).includes(status);
export const isActive = (status: JobStatus): boolean => (ACTIVE_STATUSES as readonly JobStatus[]).includes(status);
export const isCancelling = (status: JobStatus): boolean => status === 'CANCEL_SUBMITTED' || status === 'CANCEL_IN_PROGRESS';

export type ValidationLevel = 'strict' | 'structure-only' | 'minimal';
export const VALIDATION_LEVELS = ['strict', 'structure-only', 'minimal'] as const satisfies readonly ValidationLevel[];
