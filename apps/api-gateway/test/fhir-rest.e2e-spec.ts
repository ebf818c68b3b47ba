import request from 'supertest';
import { createDatastore, startTestGateway, type TestGateway } from './gateway-harness';

const FHIR = 'application/fhir+json';

describe('FHIR R4 REST API', () => {
  let gw: TestGateway;
  let ds: string;
  let base: string;
  const http = () => request(gw.baseUrl);
  const countRows = async (table: string) => (await gw.sql.query(`SELECT count(*)::int AS n FROM ${table} WHERE datastore_id = $1`, [ds])).rows[0].n as number;

  beforeAll(async () => {
    gw = await startTestGateway();
    ds = await createDatastore(gw);
    base = `/datastore/${ds}/r4`;
  });
  afterAll(() => gw.close());

  it('creates with a server-assigned id, Location and ETag', async () => {
    const res = await http().post(`${base}/Patient`).set('Content-Type', FHIR).send({ resourceType: 'Patient', id: 'ignored', gender: 'male' });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toContain('application/fhir+json');
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.location).toBe(`${gw.baseUrl}${base}/Patient/${res.body.id}/_history/1`);
    expect(res.body.meta).toEqual({ versionId: '1', lastUpdated: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z$/) });
    const read = await http().get(`${base}/Patient/${res.body.id}`).expect(200);
    expect(read.body).toEqual(res.body);
  });

  it('upserts with client ids, versions every write, and serves vread and history', async () => {
    const created = await http().put(`${base}/Observation/obs-1`).set('Content-Type', FHIR).send({ resourceType: 'Observation', id: 'obs-1', status: 'preliminary', code: { text: 'bp' } });
    expect(created.status).toBe(201);
    const updated = await http().put(`${base}/Observation/obs-1`).set('Content-Type', FHIR).send({ resourceType: 'Observation', id: 'obs-1', status: 'final', code: { text: 'bp' }, meta: { versionId: '99', tag: [{ code: 'x' }] } });
    expect(updated.status).toBe(200);
    expect(updated.headers.etag).toBe('W/"2"');
    expect(updated.body.meta).toMatchObject({ versionId: '2', tag: [{ code: 'x' }] });
    expect(updated.body.meta.lastUpdated > created.body.meta.lastUpdated).toBe(true);

    expect((await http().get(`${base}/Observation/obs-1/_history/1`).expect(200)).body.status).toBe('preliminary');
    const history = await http().get(`${base}/Observation/obs-1/_history`).expect(200);
    expect(history.body).toMatchObject({ resourceType: 'Bundle', type: 'history', total: 2 });
    expect(history.body.entry.map((e: { resource: { meta: { versionId: string } } }) => e.resource.meta.versionId)).toEqual(['2', '1']);
    await http().get(`${base}/Observation/obs-1/_history/3`).expect(404);
  });

  it('enforces If-Match and leaves the resource unchanged on mismatch', async () => {
    await http().put(`${base}/Patient/locked`).send({ resourceType: 'Patient', id: 'locked' }).expect(201);
    const stale = await http().put(`${base}/Patient/locked`).set('If-Match', 'W/"5"').send({ resourceType: 'Patient', id: 'locked', active: true });
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    await http().put(`${base}/Patient/locked`).set('If-Match', 'W/"1"').send({ resourceType: 'Patient', id: 'locked', active: true }).expect(200);
    expect((await http().get(`${base}/Patient/locked`)).body.meta.versionId).toBe('2');
    await http().delete(`${base}/Patient/locked`).set('If-Match', 'W/"1"').expect(412);
  });

  it('deletes (204), then reads answer 410 and history shows the deletion', async () => {
    await http().put(`${base}/Patient/doomed`).send({ resourceType: 'Patient', id: 'doomed' }).expect(201);
    await http().delete(`${base}/Patient/doomed`).expect(204);
    const gone = await http().get(`${base}/Patient/doomed`).expect(410);
    expect(gone.body.issue[0].code).toBe('deleted');
    await http().delete(`${base}/Patient/doomed`).expect(204);
    const history = await http().get(`${base}/Patient/doomed/_history`).expect(200);
    expect(history.body.entry[0].request.method).toBe('DELETE');
    expect(history.body.total).toBe(2);
    await http().delete(`${base}/Patient/never-existed`).expect(404);
    // Re-creating after a delete continues the version sequence.
    const revived = await http().put(`${base}/Patient/doomed`).send({ resourceType: 'Patient', id: 'doomed' }).expect(201);
    expect(revived.body.meta.versionId).toBe('3');
  });

  it.each([
    ['malformed JSON', 'post', 'Patient', '{"resourceType": "Patient",', 400, 'structure'],
    ['a body whose type differs from the URL', 'post', 'Patient', JSON.stringify({ resourceType: 'Observation', status: 'final', code: {} }), 400, 'invalid'],
    ['an unknown element', 'post', 'Patient', JSON.stringify({ resourceType: 'Patient', favouriteColour: 'blue' }), 400, 'structure'],
    ['a bad code', 'post', 'Patient', JSON.stringify({ resourceType: 'Patient', gender: 'robot' }), 422, 'value'],
    ['a missing required element', 'post', 'Observation', JSON.stringify({ resourceType: 'Observation', code: { text: 'x' } }), 422, 'required'],
    ['a bad date', 'post', 'Patient', JSON.stringify({ resourceType: 'Patient', birthDate: '1990-13-01' }), 422, 'value'],
    ['an id in the body differing from the URL', 'put', 'Patient/abc', JSON.stringify({ resourceType: 'Patient', id: 'xyz' }), 400, 'invalid'],
    ['an invalid id', 'put', 'Patient/bad_id!', JSON.stringify({ resourceType: 'Patient', id: 'bad_id!' }), 400, 'invalid'],
    ['a string holding U+0000 (Postgres cannot store it)', 'put', 'Patient/nul', JSON.stringify({ resourceType: 'Patient', id: 'nul', name: [{ family: 'a\u0000b' }] }), 400, 'invalid'],
    ['an unknown resource type', 'post', 'Unicorn', JSON.stringify({ resourceType: 'Unicorn' }), 404, 'not-found'],
    ['an empty body', 'post', 'Patient', '', 400, 'invalid'],
  ])('rejects %s with an OperationOutcome and writes nothing', async (_label, method, path, body, status, code) => {
    const before = await countRows('fhir_resource_version');
    const res = await (method === 'post' ? http().post(`${base}/${path}`) : http().put(`${base}/${path}`)).set('Content-Type', FHIR).send(body);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toContain('application/fhir+json');
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0]).toMatchObject({ severity: 'error', code, diagnostics: expect.any(String) });
    expect(await countRows('fhir_resource_version')).toBe(before);
  });

  it('answers unknown datastores, unsupported methods and oversized bodies with OperationOutcomes', async () => {
    const missing = await http().get('/datastore/0123456789abcdef0123456789abcdef/r4/Patient/x').expect(404);
    expect(missing.body.resourceType).toBe('OperationOutcome');
    await http().put('/datastore/0123456789abcdef0123456789abcdef/r4/Patient/x').send({ resourceType: 'Patient', id: 'x' }).expect(404);
    const patch = await http().patch(`${base}/Patient/x`).send('[]').expect(405);
    expect(patch.body.issue[0].code).toBe('not-supported');
    const huge = await http().post(`${base}/Patient`).set('Content-Type', FHIR).send(JSON.stringify({ resourceType: 'Patient', text: { status: 'generated', div: 'x'.repeat(7 * 1024 * 1024) } }));
    expect(huge.status).toBe(413);
    expect(huge.body.resourceType).toBe('OperationOutcome');
  });

  it('tells the truth in its CapabilityStatement', async () => {
    const res = await http().get(`${base}/metadata`).expect(200);
    expect(res.body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
    const patient = res.body.rest[0].resource.find((r: { type: string }) => r.type === 'Patient');
    expect(patient.interaction.map((i: { code: string }) => i.code).sort()).toEqual(['create', 'delete', 'history-instance', 'read', 'search-type', 'update', 'vread']);
    expect(patient.conditionalDelete).toBe('not-supported');
  });

  it('searches by _id, _lastUpdated and patient reference, with paging', async () => {
    await http().put(`${base}/Patient/s-pat`).send({ resourceType: 'Patient', id: 's-pat' }).expect(201);
    for (let i = 0; i < 3; i++) {
      await http().put(`${base}/Condition/s-c${i}`).send({ resourceType: 'Condition', id: `s-c${i}`, subject: { reference: 'Patient/s-pat' } }).expect(201);
    }
    await http().put(`${base}/Condition/s-other`).send({ resourceType: 'Condition', id: 's-other', subject: { reference: 'Patient/someone-else' } }).expect(201);
    const byPatient = await http().get(`${base}/Condition?patient=s-pat&_count=2`).expect(200);
    expect(byPatient.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 3 });
    expect(byPatient.body.entry).toHaveLength(2);
    const next = byPatient.body.link.find((l: { relation: string }) => l.relation === 'next');
    const page2 = await request(next.url).get('').expect(200);
    expect(page2.body.entry).toHaveLength(1);
    const ids = [...byPatient.body.entry, ...page2.body.entry].map((e: { resource: { id: string } }) => e.resource.id).sort();
    expect(ids).toEqual(['s-c0', 's-c1', 's-c2']);
    expect((await http().get(`${base}/Condition?_id=s-c1,s-other`)).body.total).toBe(2);
    expect((await http().get(`${base}/Condition?_lastUpdated=lt2000-01-01`)).body.total).toBe(0);
    expect((await http().get(`${base}/Condition?subject=Patient/s-pat&_lastUpdated=gt2000-01-01`)).body.total).toBe(3);
    const viaPost = await http().post(`${base}/Condition/_search`).set('Content-Type', 'application/x-www-form-urlencoded').send('patient=Patient/s-pat').expect(200);
    expect(viaPost.body.total).toBe(3);
    const unsupported = await http().get(`${base}/Condition?code=123`).expect(400);
    expect(unsupported.body.issue[0].diagnostics).toMatch(/not supported/);
  });

  it('keeps SQL-looking ids inert', async () => {
    const res = await http().get(`${base}/Patient/1';DROP TABLE fhir_resource;--`);
    expect([400, 404]).toContain(res.status);
    expect((await http().get(`${base}/Condition?_id=${encodeURIComponent("x' OR '1'='1")}`)).body.total).toBe(0);
    expect(await countRows('fhir_resource')).toBeGreaterThan(0);
  });
});
