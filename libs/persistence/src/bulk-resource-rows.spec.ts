import { type BulkResource, INSTANT_MARK, renderedResource, renderResources, stampRows, VERSION_MARK } from './bulk-resource-rows';

const version = { versionId: 7, lastUpdated: '2026-12-01T08:00:00.123456Z' };

/** What the single-resource path (FhirResourceRepository.write) stores. */
function storedByPut(resource: Record<string, unknown> & { resourceType: string; id: string }): string {
  const { resourceType, id, meta, ...body } = resource;
  return JSON.stringify({ resourceType, id, meta: { ...(meta as object), versionId: '7', lastUpdated: version.lastUpdated }, ...body });
}

function bulk(resource: Record<string, unknown> & { resourceType: string; id: string }): BulkResource {
  const { resourceType, id, meta, ...body } = resource;
  return { resourceType, id, ...(meta ? { meta: meta as Record<string, unknown> } : {}), bodyJson: JSON.stringify(body), references: [] };
}

/** The JSON column of a rendered, stamped row (COPY text: backslashes doubled). */
const jsonOf = (row: string) => row.split('\t')[6].replace(/\n$/, '').replace(/\\\\/g, '\\');

describe('rendered resource rows', () => {
  it.each([
    ['no meta', { resourceType: 'Patient', id: 'p1', active: true }],
    ['meta without version fields', { resourceType: 'Patient', id: 'p1', meta: { profile: ['http://x/p'], source: 's' }, gender: 'female' }],
    ['meta with versionId and lastUpdated between other keys', { resourceType: 'Patient', id: 'p1', meta: { source: 's', versionId: '3', tag: [{ code: 't' }], lastUpdated: '2020-01-01T00:00:00Z' } }],
    ['meta with lastUpdated only', { resourceType: 'Observation', id: 'o1', meta: { lastUpdated: '2020-01-01T00:00:00Z' }, status: 'final' }],
    ['an empty body and an empty meta', { resourceType: 'Basic', id: 'b1', meta: {} }],
    ['strings needing escapes', { resourceType: 'Patient', id: 'p1', name: [{ text: 'tab\there "quoted" back\\slash \u0001 nl\n' }] }],
  ])('stores exactly what a PUT stores: %s', (_name, resource) => {
    const rendered = renderResources('d'.repeat(32), [bulk(resource)]);
    const row = stampRows(rendered.rows, version).toString('utf8');
    expect(row.includes(VERSION_MARK) || row.includes(INSTANT_MARK)).toBe(false);
    expect(row.split('\t').slice(0, 6)).toEqual(['d'.repeat(32), resource.resourceType, resource.id, '7', version.lastUpdated, 'f']);
    expect(jsonOf(row)).toBe(storedByPut(resource));
  });

  it('keeps each resource and its references apart, so one can be written on its own', () => {
    const refs = (target: string) => [{ path: 'subject', reference: `Patient/${target}`, targetType: 'Patient', targetId: target }];
    const rendered = renderResources('d'.repeat(32), [
      { ...bulk({ resourceType: 'Observation', id: 'o1' }), references: refs('a') },
      bulk({ resourceType: 'Patient', id: 'a' }),
      { ...bulk({ resourceType: 'Observation', id: 'o2' }), references: [...refs('a'), { path: 'performer', reference: 'Practitioner?identifier=x|1', targetType: 'Practitioner' }] },
    ]);
    const second = renderedResource(rendered, 1);
    const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
    expect(second).toMatchObject({ types: ['Patient'], ids: ['a'], referenceEnds: [0] });
    expect(second.references).toHaveLength(0);
    expect(text(second.rows)).toBe(text(rendered.rows.slice(rendered.rowEnds[0], rendered.rowEnds[1])));
    expect(text(second.rows)).toMatch(/^d{32}\tPatient\ta\t/);
    const third = renderedResource(rendered, 2);
    expect(text(third.references).split('\n').filter(Boolean).map((l) => l.split('\t').slice(1))).toEqual([
      ['Observation', 'o2', 'subject', 'Patient/a', 'Patient', 'a'],
      ['Observation', 'o2', 'performer', 'Practitioner?identifier=x|1', 'Practitioner', '\\N'],
    ]);
    expect(text(rendered.rows).split('\n').filter(Boolean)).toHaveLength(3);
  });
});
