import type { Pool, PoolClient } from 'pg';
import { inTransaction } from './database';
import type { IndexedReference, ResourceBody, StoredVersion } from './fhir-resource.types';
import { DatastoreUnavailableError, UNIQUE_VIOLATION, WriteRejectedError } from './fhir-resource.types';
import { enterWriteFence } from './write-fence';
import { type ResourceSearch, searchResources } from './fhir-resource.search';

const MAX_WRITE_ATTEMPTS = 3;

interface VersionRow {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: string;
  deleted: boolean;
  resource: ResourceBody | null;
}

const VERSION_COLUMNS = `resource_type, id, version_id, deleted, resource,
  to_char(last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_updated`;

function toStoredVersion(row: VersionRow): StoredVersion {
  return {
    resourceType: row.resource_type,
    id: row.id,
    versionId: row.version_id,
    lastUpdated: row.last_updated,
    deleted: row.deleted,
    resource: row.resource,
  };
}

export interface WriteOptions {
  /** Optimistic lock: the version the caller last saw (If-Match). */
  ifMatch?: number;
  /** Refuse to overwrite: the write must create the resource (server-assigned ids). */
  mustCreate?: boolean;
}

export interface WriteResult {
  stored: StoredVersion;
  /** True when no live version existed before (201 rather than 200). */
  created: boolean;
}

/**
 * Current rows, append-only history of superseded versions and the reference index of FHIR resources. Each write is one
 * transaction inside the datastore's write fence (see write-fence.ts), stamping meta.versionId and
 * meta.lastUpdated.
 */
export class FhirResourceRepository {
  constructor(private readonly pool: Pool) {}

  /** The current version (possibly a delete tombstone), or undefined if the id never existed. */
  async read(datastoreId: string, resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const { rows } = await this.pool.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM fhir_resource WHERE datastore_id = $1 AND resource_type = $2 AND id = $3`,
      [datastoreId, resourceType, id],
    );
    return rows[0] && toStoredVersion(rows[0]);
  }

  async readVersion(datastoreId: string, resourceType: string, id: string, versionId: number): Promise<StoredVersion | undefined> {
    const { rows } = await this.pool.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM fhir_resource_version
        WHERE datastore_id = $1 AND resource_type = $2 AND id = $3 AND version_id = $4`,
      [datastoreId, resourceType, id, versionId],
    );
    return rows[0] && toStoredVersion(rows[0]);
  }

  /** Versions of one resource, newest first. */
  async history(datastoreId: string, resourceType: string, id: string, limit: number, offset = 0): Promise<{ versions: StoredVersion[]; total: number }> {
    const { rows } = await this.pool.query<VersionRow & { total: number }>(
      `SELECT ${VERSION_COLUMNS}, count(*) OVER () AS total FROM fhir_resource_version
        WHERE datastore_id = $1 AND resource_type = $2 AND id = $3
        ORDER BY version_id DESC LIMIT $4 OFFSET $5`,
      [datastoreId, resourceType, id, limit, offset],
    );
    const total = rows[0]?.total ?? (await this.countVersions(datastoreId, resourceType, id));
    return { versions: rows.map(toStoredVersion), total: Number(total) };
  }

  /** Stores `resource` (which must carry its id) as a new version. */
  async write(datastoreId: string, resource: ResourceBody & { id: string }, references: IndexedReference[], options: WriteOptions = {}): Promise<WriteResult> {
    return this.inWriteTransaction(datastoreId, async (client) => {
      const previous = await this.lockCurrent(client, datastoreId, resource.resourceType, resource.id);
      if (options.mustCreate && previous) throw new WriteRejectedError({ kind: 'version-mismatch', expected: 0, actual: previous.version_id });
      this.checkIfMatch(options.ifMatch, previous);
      const versionId = (previous?.version_id ?? 0) + 1;
      const lastUpdated = await this.nextTimestamp(client, previous);
      const { resourceType, id, meta, ...body } = resource;
      // resourceType, id and meta first, as FHIR servers conventionally serialize them.
      const stamped: ResourceBody = { resourceType, id, meta: { ...meta, versionId: String(versionId), lastUpdated }, ...body };
      await this.insertVersion(client, datastoreId, stamped.resourceType, resource.id, versionId, lastUpdated, stamped, previous !== undefined);
      await this.replaceReferences(client, datastoreId, stamped.resourceType, resource.id, references);
      return {
        stored: { resourceType: stamped.resourceType, id: resource.id, versionId, lastUpdated, deleted: false, resource: stamped },
        created: !previous || previous.deleted,
      };
    });
  }

  /**
   * Deletes the resource (a tombstone version). Returns undefined when it never existed; a
   * resource already deleted is left as it is.
   */
  async delete(datastoreId: string, resourceType: string, id: string, options: Pick<WriteOptions, 'ifMatch'> = {}): Promise<StoredVersion | undefined> {
    return this.inWriteTransaction(datastoreId, async (client) => {
      const previous = await this.lockCurrent(client, datastoreId, resourceType, id);
      this.checkIfMatch(options.ifMatch, previous);
      if (!previous) return undefined;
      if (previous.deleted) return toStoredVersion(previous);
      const versionId = previous.version_id + 1;
      const lastUpdated = await this.nextTimestamp(client, previous);
      await this.insertVersion(client, datastoreId, resourceType, id, versionId, lastUpdated, null, true);
      await this.replaceReferences(client, datastoreId, resourceType, id, []);
      return { resourceType, id, versionId, lastUpdated, deleted: true, resource: null };
    });
  }

  /** References held by the current version of a resource. */
  async referencesOf(datastoreId: string, resourceType: string, id: string): Promise<IndexedReference[]> {
    const { rows } = await this.pool.query<{ path: string; reference: string; target_type: string | null; target_id: string | null }>(
      `SELECT path, reference, target_type, target_id FROM fhir_reference
        WHERE datastore_id = $1 AND source_type = $2 AND source_id = $3 ORDER BY path, reference`,
      [datastoreId, resourceType, id],
    );
    return rows.map((row) => ({
      path: row.path,
      reference: row.reference,
      ...(row.target_type ? { targetType: row.target_type } : {}),
      ...(row.target_id ? { targetId: row.target_id } : {}),
    }));
  }

  /** Current, non-deleted resources of one type matching `search`, newest first. */
  async search(datastoreId: string, resourceType: string, search: ResourceSearch): Promise<{ matches: StoredVersion[]; total: number }> {
    const { rows, total } = await searchResources<VersionRow>(this.pool, VERSION_COLUMNS, datastoreId, resourceType, search);
    return { matches: rows.map(toStoredVersion), total };
  }

  /** Status of the datastore, or undefined if it does not exist. */
  async datastoreStatus(datastoreId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ status: string }>('SELECT status FROM datastore WHERE id = $1', [datastoreId]);
    return rows[0]?.status;
  }

  /**
   * Checked inside the write fence: a deletion marks the datastore DELETING and then drains the
   * fence before purging, so no write can land after the purge.
   */
  private async assertActive(client: PoolClient, datastoreId: string): Promise<void> {
    const { rows } = await client.query<{ status: string }>('SELECT status FROM datastore WHERE id = $1', [datastoreId]);
    if (rows[0]?.status !== 'ACTIVE') throw new DatastoreUnavailableError(datastoreId, rows[0]?.status);
  }

  private async countVersions(datastoreId: string, resourceType: string, id: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM fhir_resource_version WHERE datastore_id = $1 AND resource_type = $2 AND id = $3',
      [datastoreId, resourceType, id],
    );
    return rows[0].n;
  }

  private checkIfMatch(ifMatch: number | undefined, previous: VersionRow | undefined): void {
    if (ifMatch === undefined) return;
    if (!previous || previous.deleted || previous.version_id !== ifMatch) {
      throw new WriteRejectedError({ kind: 'version-mismatch', expected: ifMatch, actual: previous?.version_id });
    }
  }

  private async lockCurrent(client: PoolClient, datastoreId: string, resourceType: string, id: string): Promise<VersionRow | undefined> {
    const { rows } = await client.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM fhir_resource
        WHERE datastore_id = $1 AND resource_type = $2 AND id = $3 FOR UPDATE`,
      [datastoreId, resourceType, id],
    );
    return rows[0];
  }

  /** Now, but strictly after the previous version, so lastUpdated orders the versions. */
  private async nextTimestamp(client: PoolClient, previous: VersionRow | undefined): Promise<string> {
    const { rows } = await client.query<{ t: string }>(
      `SELECT to_char(GREATEST(clock_timestamp(), $1::timestamptz + interval '1 microsecond') AT TIME ZONE 'UTC',
              'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`,
      [previous?.last_updated ?? null],
    );
    return rows[0].t;
  }

  /**
   * Makes the new version current. The version it supersedes (its row locked by the caller) moves
   * to history; with none, a plain insert, so a concurrent create of the same id fails with a
   * unique violation and is retried rather than overwritten.
   */
  private async insertVersion(
    client: PoolClient,
    datastoreId: string,
    resourceType: string,
    id: string,
    versionId: number,
    lastUpdated: string,
    resource: ResourceBody | null,
    supersedes: boolean,
  ): Promise<void> {
    const params = [datastoreId, resourceType, id, versionId, lastUpdated, resource === null, resource === null ? null : JSON.stringify(resource)];
    if (!supersedes) {
      await client.query(
        `INSERT INTO fhir_resource (datastore_id, resource_type, id, version_id, last_updated, deleted, resource)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        params,
      );
      return;
    }
    await client.query(
      `INSERT INTO fhir_resource_history (datastore_id, resource_type, id, version_id, last_updated, deleted, resource)
       SELECT datastore_id, resource_type, id, version_id, last_updated, deleted, resource FROM fhir_resource
        WHERE datastore_id = $1 AND resource_type = $2 AND id = $3`,
      [datastoreId, resourceType, id],
    );
    await client.query(
      `UPDATE fhir_resource SET version_id = $4, last_updated = $5, deleted = $6, resource = $7
        WHERE datastore_id = $1 AND resource_type = $2 AND id = $3`,
      params,
    );
  }

  private async replaceReferences(client: PoolClient, datastoreId: string, sourceType: string, sourceId: string, references: IndexedReference[]): Promise<void> {
    await client.query('DELETE FROM fhir_reference WHERE datastore_id = $1 AND source_type = $2 AND source_id = $3', [datastoreId, sourceType, sourceId]);
    // One row per distinct (path, reference): the index holds no duplicates (no unique key enforces it).
    const distinct = [...new Map(references.map((r) => [`${r.path}\u0000${r.reference}`, r])).values()];
    if (distinct.length === 0) return;
    await client.query(
      `INSERT INTO fhir_reference (datastore_id, source_type, source_id, path, reference, target_type, target_id)
       SELECT $1, $2, $3, r.path, r.reference, r.target_type, r.target_id
         FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) AS r(path, reference, target_type, target_id)`,
      [
        datastoreId,
        sourceType,
        sourceId,
        distinct.map((r) => r.path),
        distinct.map((r) => r.reference),
        distinct.map((r) => r.targetType ?? null),
        distinct.map((r) => r.targetId ?? null),
      ],
    );
  }

  /** Runs `work` in a transaction inside the write fence; retries when a concurrent create won the race. */
  private async inWriteTransaction<T>(datastoreId: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(this.pool, async (client) => {
          await enterWriteFence(client, datastoreId);
          await this.assertActive(client, datastoreId);
          return work(client);
        });
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== UNIQUE_VIOLATION || attempt >= MAX_WRITE_ATTEMPTS) throw error;
      }
    }
  }
}
