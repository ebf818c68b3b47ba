import type { Pool, PoolClient } from 'pg';
import Cursor from 'pg-cursor';
import { to as copyTo } from 'pg-copy-streams';
import { pipeline, type Readable } from 'node:stream';
import { CopyBinaryNdjsonTransform } from './copy-binary-ndjson.transform';
import { type ExportSnapshot, type IdRange, instantLiteral, snapshotSelect, textLiteral, typeLiteral } from './export-snapshot.sql';
import type { ResourceBody } from './fhir-resource.types';

type Queryable = Pool | PoolClient;

/** One planned output file: an id range of one type holding exactly `resourceCount` snapshot resources. */
export interface PlannedRange extends IdRange {
  resourceType: string;
  /** From 1, in id order. */
  partNumber: number;
  resourceCount: number;
}

/** A snapshot version of a resource changed after T (for as-of-T reference checks). */
export interface SnapshotVersion {
  resourceType: string;
  id: string;
  resource: ResourceBody;
}

/** An ndjson stream of one planned part, with counters filled as it flows. */
export interface PartStream {
  stream: Readable;
  /** Rows and bytes emitted so far. */
  counters: { rows: number; bytes: number };
}

/**
 * Reads an export's snapshot (see {@link ExportSnapshot}): which types exist, how to cut each
 * type into files of at most N resources, and each file's ndjson, streamed with binary COPY so
 * memory stays bounded and every line is exactly the stored JSON text.
 */
export class ExportSnapshotReader {
  constructor(private readonly pool: Pool) {}

  /** Resource types with any row (live or deleted) in the datastore; a loose index scan over the primary key. */
  async resourceTypes(datastoreId: string, db: Queryable = this.pool): Promise<string[]> {
    const { rows } = await db.query<{ t: string }>(
      `WITH RECURSIVE types AS (
         SELECT min(resource_type) AS t FROM fhir_resource WHERE datastore_id = $1
         UNION ALL
         SELECT (SELECT min(resource_type) FROM fhir_resource WHERE datastore_id = $1 AND resource_type > types.t) FROM types WHERE types.t IS NOT NULL)
       SELECT t FROM types WHERE t IS NOT NULL`,
      [datastoreId],
    );
    return rows.map((r) => r.t);
  }

  /**
   * Cuts the snapshot's resources of `resourceTypes` into consecutive id ranges of at most
   * `perFile` resources per type, in one scan. Deterministic: the same snapshot always gives the
   * same ranges. Ordered by type, then part number. Call inside a transaction (it sets local
   * planner settings).
   */
  async planRanges(snapshot: ExportSnapshot, resourceTypes: readonly string[], perFile: number, db: Queryable = this.pool): Promise<PlannedRange[]> {
    if (resourceTypes.length === 0) return [];
    // One sort of every (type, id): in memory rather than on disk; no JIT (its compile time dwarfs
    // this simple plan, whose cost estimate the per-row history guard inflates). SET LOCAL only
    // lasts until the caller's transaction ends.
    await db.query(`SET LOCAL work_mem = '128MB'`);
    await db.query('SET LOCAL jit = off');
    const { rows } = await db.query<{ resource_type: string; part: number; first_id: string; last_id: string; n: number }>(
      `SELECT resource_type, (i / ${Math.trunc(perFile)})::int + 1 AS part, min(id) AS first_id, max(id) AS last_id, count(*)::int AS n
         FROM (SELECT resource_type, id, row_number() OVER (PARTITION BY resource_type ORDER BY id) - 1 AS i
                 FROM (${snapshotSelect(snapshot, resourceTypes, 'id')}) ids) numbered
        GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    return rows.map((r) => ({ resourceType: r.resource_type, partNumber: r.part, firstId: r.first_id, lastId: r.last_id, resourceCount: r.n }));
  }

  /** The snapshot version of one resource (ignoring since/until/members), or undefined when it did not exist (or was deleted) at T. */
  async readAsOf(snapshot: Pick<ExportSnapshot, 'datastoreId' | 'transactionTime'>, resourceType: string, id: string, db: Queryable = this.pool): Promise<ResourceBody | undefined> {
    const bare = { datastoreId: snapshot.datastoreId, transactionTime: snapshot.transactionTime };
    const { rows } = await db.query<{ resource: ResourceBody }>(snapshotSelect(bare, resourceType, 'resource', { firstId: id, lastId: id }));
    return rows[0]?.resource;
  }

  /**
   * SQL selecting the ids of `resourceType` in the snapshot (ignoring since/until/members), for
   * INSERT ... SELECT statements.
   */
  snapshotIdsSql(snapshot: Pick<ExportSnapshot, 'datastoreId' | 'transactionTime'>, resourceType: string): string {
    return snapshotSelect({ datastoreId: snapshot.datastoreId, transactionTime: snapshot.transactionTime }, resourceType, 'id');
  }

  /**
   * Snapshot versions of resources of `types` whose current row changed after T: the reference
   * index describes current versions only, so callers re-derive these versions' references.
   * Read through a cursor in batches.
   */
  async *changedAfterSnapshot(snapshot: Pick<ExportSnapshot, 'datastoreId' | 'transactionTime'>, types: readonly string[], batchSize = 500): AsyncGenerator<SnapshotVersion[]> {
    if (types.length === 0) return;
    const t = instantLiteral(snapshot.transactionTime);
    const client = await this.pool.connect();
    try {
      const cursor = client.query(
        new Cursor<{ resource_type: string; id: string; resource: ResourceBody }>(
          `SELECT r.resource_type, r.id, h.resource FROM fhir_resource r
            CROSS JOIN LATERAL (
              SELECT h.deleted, h.resource FROM fhir_resource_history h
               WHERE h.datastore_id = r.datastore_id AND h.resource_type = r.resource_type AND h.id = r.id AND h.last_updated <= ${t}
               ORDER BY h.version_id DESC LIMIT 1) h
            WHERE r.datastore_id = ${textLiteral(snapshot.datastoreId)} AND r.resource_type IN (${types.map(typeLiteral).join(', ')})
              AND r.last_updated > ${t} AND NOT h.deleted
            ORDER BY r.resource_type, r.id`,
        ),
      );
      try {
        for (;;) {
          const rows = await cursor.read(batchSize);
          if (rows.length === 0) break;
          yield rows.map((r) => ({ resourceType: r.resource_type, id: r.id, resource: r.resource }));
        }
      } finally {
        await cursor.close();
      }
    } finally {
      client.release();
    }
  }

  /**
   * Streams one planned part as ndjson (ordered by id). The stream errors, and any upload reading
   * it aborts, if the part does not hold exactly `range.resourceCount` resources. Destroying the
   * stream ends the COPY by dropping its connection.
   */
  async openPart(snapshot: ExportSnapshot, range: PlannedRange): Promise<PartStream> {
    const client = await this.pool.connect();
    try {
      await client.query('SET jit = off'); // this pool's own session setting; see planRanges
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    const select = snapshotSelect(snapshot, range.resourceType, 'resource', range);
    const copy = client.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT binary)`));
    const lines = new CopyBinaryNdjsonTransform(range.resourceCount);
    let released = false;
    pipeline(copy, lines, (error) => {
      if (released) return;
      released = true;
      // A COPY cut short leaves the connection mid-protocol: discard it rather than reuse it.
      client.release(error ? (error instanceof Error ? error : new Error(String(error))) : undefined);
    });
    return {
      stream: lines,
      counters: {
        get rows() {
          return lines.rows;
        },
        get bytes() {
          return lines.bytes;
        },
      },
    };
  }
}
