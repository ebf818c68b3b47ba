/** Nest token for the importer's validated settings. */
export const IMPORTER_SETTINGS = Symbol('IMPORTER_SETTINGS');
