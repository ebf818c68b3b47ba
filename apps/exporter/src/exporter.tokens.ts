/** Nest injection tokens of the exporter app. */
export const EXPORTER_ENV = Symbol('EXPORTER_ENV');
export const EXPORTER_S3 = Symbol('EXPORTER_S3');
export const EXPORTER_KMS = Symbol('EXPORTER_KMS');
/** Aborted when the app shuts down: running exports stop promptly and are retried elsewhere. */
export const EXPORTER_SHUTDOWN = Symbol('EXPORTER_SHUTDOWN');
