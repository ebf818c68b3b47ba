/** A FHIR resource body as stored: any JSON object with a resourceType. */
export interface ResourceBody {
  resourceType: string;
  id?: string;
  meta?: Record<string, unknown>;
  [key: string]: unknown;
}

/** One version of a resource as the store holds it. */
export interface StoredVersion {
  resourceType: string;
  id: string;
  versionId: number;
  /** FHIR instant with microseconds, e.g. 2026-01-02T03:04:05.123456Z. */
  lastUpdated: string;
  deleted: boolean;
  /** Null for delete tombstones. */
  resource: ResourceBody | null;
}

/** A reference found in a resource, as the reference index stores it. */
export interface IndexedReference {
  path: string;
  reference: string;
  targetType?: string;
  targetId?: string;
}

/** Why a write was refused; the API maps these to 404/409/410/412. */
export type WriteRejection =
  | { kind: 'version-mismatch'; expected: number; actual: number | undefined }
  | { kind: 'not-found' };

export class WriteRejectedError extends Error {
  constructor(readonly rejection: WriteRejection) {
    super(rejection.kind === 'not-found' ? 'resource not found' : `version mismatch: expected ${rejection.expected}, found ${rejection.actual ?? 'none'}`);
    this.name = 'WriteRejectedError';
  }
}

/** The datastore does not exist or is not ACTIVE (being deleted). */
export class DatastoreUnavailableError extends Error {
  constructor(
    readonly datastoreId: string,
    readonly status: string | undefined,
  ) {
    super(status ? `Datastore ${datastoreId} is ${status}` : `Datastore ${datastoreId} does not exist`);
    this.name = 'DatastoreUnavailableError';
  }
}

/** SQLSTATE of a unique violation (e.g. a concurrent create of the same id). */
export const UNIQUE_VIOLATION = '23505';
