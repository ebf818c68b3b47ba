import { syntheaFixtureDir } from '@fhirlake/testing';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const FIXTURE_DIR = syntheaFixtureDir();

/** A fixture resource as text around its id: `before + id + after` is the stored JSON. */
interface Template {
  resourceType: string;
  before: string;
  after: string;
  /** Bytes of the stored JSON without the id. */
  size: number;
}

function templates(lastUpdated: string): Template[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.ndjson'))
    .sort()
    .flatMap((f) => readFileSync(path.join(FIXTURE_DIR, f), 'utf8').split('\n').filter(Boolean))
    .map((line) => {
      const { resourceType, id: _id, meta, ...body } = JSON.parse(line) as { resourceType: string; id: string; meta?: object };
      const text = JSON.stringify({ resourceType, id: '__BENCH_ID__', meta: { ...meta, versionId: '1', lastUpdated }, ...body });
      // COPY text format: backslashes are escapes (JSON text has no raw tabs or newlines).
      const [before, after] = text.replace(/\\/g, '\\\\').split('__BENCH_ID__');
      return { resourceType, before, after, size: Buffer.byteLength(text) - '__BENCH_ID__'.length };
    });
}

/**
 * Loads `count` Synthea-like resources (the fixture's resources in turn, with new random ids) into
 * `datastoreId` as version 1 (current rows; history holds only superseded versions), with one COPY.
 * No reference index (system exports do not read it). Returns the bytes of resource JSON loaded.
 */
export async function loadBenchData(sql: Pool, datastoreId: string, count: number): Promise<{ bytes: number }> {
  const { rows } = await sql.query<{ t: string }>(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`);
  const lastUpdated = rows[0].t;
  const all = templates(lastUpdated);
  let bytes = 0;
  function* lines(): Generator<string> {
    let batch = '';
    for (let i = 0; i < count; i++) {
      const t = all[i % all.length];
      const id = randomUUID();
      bytes += t.size + id.length;
      batch += `${datastoreId}\t${t.resourceType}\t${id}\t1\t${lastUpdated}\tf\t${t.before}${id}${t.after}\n`;
      if (batch.length > 1 << 20) {
        yield batch;
        batch = '';
      }
    }
    if (batch) yield batch;
  }
  const client = await sql.connect();
  try {
    await pipeline(
      Readable.from(lines()),
      client.query(copyFrom('COPY fhir_resource (datastore_id, resource_type, id, version_id, last_updated, deleted, resource) FROM STDIN')),
    );
    await client.query('VACUUM ANALYZE fhir_resource');
  } finally {
    client.release();
  }
  return { bytes };
}
