/** Nest injection tokens of the exporter app. */
export const EXPORTER_ENV = Symbol('EXPORTER_ENV');
/** Aborted when the app shuts down: running exports stop promptly and are retried elsewhere. */
export const EXPORTER_SHUTDOWN = Symbol('EXPORTER_SHUTDOWN');
