import { syntheaFixtureDir } from '@fhirlake/testing';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createDatastore, startTestGateway, type TestGateway } from './gateway-harness';

const FIXTURE_DIR = syntheaFixtureDir();
const CONCURRENCY = 8;

interface FixtureResource {
  resourceType: string;
  id: string;
  meta?: Record<string, unknown>;
  [key: string]: unknown;
}

function loadFixture(): FixtureResource[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.ndjson'))
    .flatMap((f) => readFileSync(path.join(FIXTURE_DIR, f), 'utf8').split('\n').filter((l) => l.trim() !== ''))
    .map((line) => JSON.parse(line) as FixtureResource);
}

/** Independent of the server's schema-aware extractor: every string under a "reference" key. */
function naiveReferences(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => naiveReferences(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else naiveReferences(v, out);
    }
  }
  return out;
}

function withoutVersionMeta(resource: FixtureResource): FixtureResource {
  const { meta, ...rest } = resource;
  const { versionId: _v, lastUpdated: _l, ...keptMeta } = meta ?? {};
  return Object.keys(keptMeta).length > 0 ? { ...rest, meta: keptMeta } : rest;
}

async function inParallel<T>(items: T[], worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length) await worker(items[next++]);
  }));
}

describe('Synthea round trip through the FHIR API', () => {
  let gw: TestGateway;
  let base: string;
  let ds: string;
  const resources = loadFixture();

  beforeAll(async () => {
    gw = await startTestGateway();
    ds = await createDatastore(gw, 'synthea');
    base = `${gw.baseUrl}/datastore/${ds}/r4`;
  });
  afterAll(() => gw.close());

  it('holds the whole fixture', () => {
    expect(resources).toHaveLength(7160);
  });

  it('stores every resource with PUT and reads each back unchanged, with every reference indexed', async () => {
    const failures: string[] = [];
    await inParallel(resources, async (resource) => {
      const res = await fetch(`${base}/${resource.resourceType}/${resource.id}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify(resource),
      });
      if (res.status !== 201) failures.push(`${resource.resourceType}/${resource.id}: ${res.status} ${await res.text()}`);
    });
    expect(failures).toEqual([]);

    await inParallel(resources, async (resource) => {
      const res = await fetch(`${base}/${resource.resourceType}/${resource.id}`);
      const stored = (await res.json()) as FixtureResource;
      if (res.status !== 200) failures.push(`${resource.resourceType}/${resource.id}: read ${res.status}`);
      else {
        expect(stored.meta).toMatchObject({ versionId: '1', lastUpdated: expect.any(String) });
        expect(withoutVersionMeta(stored)).toEqual(withoutVersionMeta(resource));
      }
    });
    expect(failures).toEqual([]);

    const { rows } = await gw.sql.query<{ source: string; reference: string }>(
      "SELECT source_type || '/' || source_id AS source, reference FROM fhir_reference WHERE datastore_id = $1",
      [ds],
    );
    const indexed = new Set(rows.map((r) => `${r.source} -> ${r.reference}`));
    const expected = new Set(resources.flatMap((r) => naiveReferences(r).map((ref) => `${r.resourceType}/${r.id} -> ${ref}`)));
    expect(expected.size).toBeGreaterThan(10_000);
    expect([...expected].filter((e) => !indexed.has(e))).toEqual([]);
    expect([...indexed].filter((e) => !expected.has(e))).toEqual([]);
    const conditional = rows.filter((r) => r.reference.includes('?'));
    expect(conditional.length).toBeGreaterThan(0);
  }, 300_000);
});
