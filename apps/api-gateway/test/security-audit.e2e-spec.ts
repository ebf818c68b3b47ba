import { CreateFHIRDatastoreCommand, ListFHIRDatastoresCommand } from '@aws-sdk/client-healthlake';
import { AuditLogWriter } from '../src/audit/audit-log.writer';
import { ALLOW_ALL, awsJson, datastoreArnOf, principal, sdkClient, send, signedSend, startSecureGateway, type TestKey } from './security-fixtures';

const FHIR = 'application/fhir+json';
const PHI = 'Zyxwvutsrq-PHI-marker';

interface AuditRow {
  principal: string | null;
  principal_type: string;
  action: string;
  resource: string | null;
  datastore_id: string | null;
  outcome: string;
  http_status: number;
  source_ip: string | null;
  reason: string | null;
  request_id: string;
}

describe('audit log', () => {
  const admin = principal('admin', [ALLOW_ALL]);
  const reader = principal('reader', [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['healthlake:Describe*', 'healthlake:List*', 'healthlake:ReadResource', 'healthlake:Search*'], Resource: '*' }] }]);
  let gw: Awaited<ReturnType<typeof startSecureGateway>>;
  let ds: string;
  const rows = async (where = 'true', params: unknown[] = []) => {
    await gw.app.get(AuditLogWriter).drain();
    return (await gw.sql.query<AuditRow>(`SELECT * FROM audit_event WHERE ${where} ORDER BY id`, params)).rows;
  };
  const fhir = (key: TestKey, method: string, path: string, body?: object) =>
    signedSend(gw, key, { method, path: `/datastore/${ds}/r4/${path}`, ...(body ? { headers: { 'content-type': FHIR }, body: JSON.stringify(body) } : {}) });

  beforeAll(async () => {
    gw = await startSecureGateway([admin, reader]);
    ds = (await sdkClient(gw, admin.key).send(new CreateFHIRDatastoreCommand({ DatastoreTypeVersion: 'R4', DatastoreName: 'audited' }))).DatastoreId!;
  });
  afterAll(() => gw.close());

  it('records control-plane calls with principal, action, resource, outcome, status, source IP and request id', async () => {
    const listed = await sdkClient(gw, reader.key).send(new ListFHIRDatastoresCommand({}));
    const [created] = await rows("action = 'healthlake:CreateFHIRDatastore'");
    expect(created).toMatchObject({ principal: admin.arn, principal_type: 'iam', resource: '*', outcome: 'allowed', http_status: 200, source_ip: '127.0.0.1' });
    const [list] = await rows("action = 'healthlake:ListFHIRDatastores'");
    expect(list).toMatchObject({ principal: reader.arn, outcome: 'allowed', request_id: listed.$metadata.requestId });
    await awsJson(gw, reader.key, 'DescribeFHIRDatastore', { DatastoreId: 'f'.repeat(32) });
    expect((await rows("action = 'healthlake:DescribeFHIRDatastore'"))[0]).toMatchObject({ outcome: 'error', http_status: 400 + 4, datastore_id: 'f'.repeat(32), resource: datastoreArnOf('f'.repeat(32)) });
  });

  it('records FHIR writes with Type/id (server-assigned ids too) and $export calls, but not allowed reads', async () => {
    const created = await fhir(admin.key, 'POST', 'Patient', { resourceType: 'Patient', name: [{ family: PHI }] });
    expect(created.status).toBe(201);
    await fhir(admin.key, 'PUT', 'Patient/p1', { resourceType: 'Patient', id: 'p1', name: [{ family: PHI }] });
    await fhir(admin.key, 'DELETE', 'Patient/p1');
    await fhir(admin.key, 'GET', `Patient/${created.json.id}`);
    await fhir(admin.key, 'GET', 'Patient');
    await signedSend(gw, admin.key, { method: 'POST', path: `/datastore/${ds}/r4/$export`, headers: { 'content-type': FHIR, prefer: 'respond-async' }, body: JSON.stringify({}) });
    const fhirRows = await rows('datastore_id = $1 AND action NOT LIKE $2', [ds, '%Datastore']);
    expect(fhirRows.map((r) => [r.action, r.resource, r.outcome, r.http_status])).toEqual([
      ['healthlake:CreateResource', `Patient/${created.json.id}`, 'allowed', 201],
      ['healthlake:UpdateResource', 'Patient/p1', 'allowed', 201],
      ['healthlake:DeleteResource', 'Patient/p1', 'allowed', 204],
      ['healthlake:StartFHIRExportJobWithPost', datastoreArnOf(ds), 'error', 400],
    ]);
  });

  it('records denials and authentication failures on any route, reads included', async () => {
    await fhir(reader.key, 'PUT', 'Patient/p2', { resourceType: 'Patient', id: 'p2', name: [{ family: PHI }] });
    await send(gw, { method: 'GET', path: `/datastore/${ds}/r4/Patient/p2` });
    await sdkClient(gw, { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'y'.repeat(40) }).send(new ListFHIRDatastoresCommand({})).catch(() => undefined);
    await sdkClient(gw, { ...reader.key, secretAccessKey: 'wrong'.repeat(8) }).send(new ListFHIRDatastoresCommand({})).catch(() => undefined);
    const denied = await rows("outcome = 'denied'");
    expect(denied.map((r) => [r.action, r.principal, r.principal_type, r.http_status])).toEqual([
      ['healthlake:UpdateResource', reader.arn, 'iam', 403],
      ['healthlake:ReadResource', null, 'anonymous', 401],
      ['healthlake:ListFHIRDatastores', 'accessKey/AKIAUNKNOWNKEY000000', 'anonymous', 403],
      ['healthlake:ListFHIRDatastores', `accessKey/${reader.key.accessKeyId}`, 'anonymous', 403],
    ]);
    expect(denied[0]!.reason).toBe(`User: ${reader.arn} is not authorized to perform: healthlake:UpdateResource on resource: ${datastoreArnOf(ds)} because no identity-based policy allows the healthlake:UpdateResource action`);
    expect(denied[0]!.resource).toBe('Patient/p2');
  });

  it('never stores bodies or secrets', async () => {
    const dump = JSON.stringify(await rows());
    expect(dump).not.toContain(PHI);
    for (const secret of [admin.key.secretAccessKey, reader.key.secretAccessKey]) expect(dump).not.toContain(secret);
  });

  it('is append-only: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(gw.sql.query("UPDATE audit_event SET outcome = 'allowed'")).rejects.toThrow(/append-only: UPDATE/);
    await expect(gw.sql.query('DELETE FROM audit_event')).rejects.toThrow(/append-only: DELETE/);
    await expect(gw.sql.query('TRUNCATE audit_event')).rejects.toThrow(/append-only: TRUNCATE/);
  });

  it('serves GET /admin/audit-events with filters and pages, guarded by fhirlake:ReadAuditLog', async () => {
    const get = (key: TestKey, query: Record<string, string>) => signedSend(gw, key, { method: 'GET', path: '/admin/audit-events', query });
    const denied = await get(reader.key, {});
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ __type: 'AccessDeniedException', message: expect.stringContaining('fhirlake:ReadAuditLog on resource: arn:aws:fhirlake:us-east-1:000000000000:audit-log') });

    const byReader = await get(admin.key, { principal: reader.arn });
    expect(byReader.status).toBe(200);
    expect(byReader.json.AuditEvents.length).toBeGreaterThan(0);
    expect(byReader.json.AuditEvents.every((e: { Principal: string }) => e.Principal === reader.arn)).toBe(true);
    const writes = await get(admin.key, { datastoreId: ds, action: 'healthlake:UpdateResource' });
    expect(writes.json.AuditEvents.map((e: { Outcome: string }) => e.Outcome)).toEqual(['denied', 'allowed']);

    const seen: string[] = [];
    let nextToken: string | undefined;
    const to = new Date(Date.now() + 60_000).toISOString();
    do {
      const page = await get(admin.key, { limit: '2', to, ...(nextToken ? { nextToken } : {}) });
      expect([page.status, page.json.AuditEvents?.length <= 2]).toEqual([200, true]);
      seen.push(...page.json.AuditEvents.map((e: { EventId: string }) => e.EventId));
      nextToken = page.json.NextToken;
    } while (nextToken);
    expect(seen.length).toBeGreaterThan(8);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => b - a));
    // A token only pages the query it was issued for.
    const first = await get(admin.key, { limit: '1' });
    expect((await get(admin.key, { limit: '1', action: 'healthlake:CreateResource', nextToken: first.json.NextToken })).json.__type).toBe('ValidationException');

    expect((await get(admin.key, { datastoreId: "x' OR 1=1 --" })).json.__type).toBe('ValidationException');
    expect((await get(admin.key, { limit: '0' })).status).toBe(400);
    expect((await rows("action = 'fhirlake:ReadAuditLog'")).length).toBeGreaterThan(3);

    const openApi = (await send(gw, { method: 'GET', path: '/docs-json' })).json;
    const documented = (openApi.paths['/admin/audit-events'].get.parameters as Array<{ name: string }>).map((p) => p.name).sort();
    expect(documented).toEqual(['action', 'datastoreId', 'from', 'limit', 'nextToken', 'principal', 'to']);
  });

  it('keeps resource bodies and secrets out of the gateway logs, errors included', async () => {
    const written: string[] = [];
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      await fhir(admin.key, 'PUT', 'Patient/p3', { resourceType: 'Patient', id: 'p3', name: [{ family: PHI }], birthDate: 'not-a-date' });
      await fhir(admin.key, 'PUT', 'Observation/o3', { resourceType: 'Observation', id: 'o3', status: 'final', code: { text: PHI }, subject: { reference: 'Patient/p3' } });
      await fhir(reader.key, 'PUT', 'Patient/p4', { resourceType: 'Patient', id: 'p4', name: [{ family: PHI }] });
      await signedSend(gw, { ...admin.key, secretAccessKey: `${admin.key.secretAccessKey}x` }, { method: 'PUT', path: `/datastore/${ds}/r4/Patient/p5`, headers: { 'content-type': FHIR }, body: JSON.stringify({ resourceType: 'Patient', id: 'p5', name: [{ family: PHI }] }) });
      await send(gw, { method: 'POST', path: `/datastore/${ds}/r4/Patient`, headers: { 'content-type': FHIR, authorization: `Bearer ${PHI}` }, body: `{"resourceType":"Patient","name":[{"family":"${PHI}"` });
      await gw.app.get(AuditLogWriter).drain();
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    const logs = written.join('');
    expect(logs).not.toContain(PHI);
    expect(logs).not.toContain(admin.key.secretAccessKey);
  });
});
