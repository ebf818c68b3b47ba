import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateFHIRDatastoreCommand } from '@aws-sdk/client-healthlake';
import { ALLOW_ALL, awsJson, createIssuer, principal, sdkClient, send, signedSend, startSecureGateway, type RawResponse, type TestIssuer } from './security-fixtures';

const FHIR = 'application/fhir+json';

describe('SMART on FHIR bearer tokens', () => {
  const admin = principal('admin', [ALLOW_ALL]);
  let gw: Awaited<ReturnType<typeof startSecureGateway>>;
  let issuer: TestIssuer;
  let stranger: TestIssuer;
  let remote: TestIssuer;
  let jwksServer: Server;
  let ds: string;
  let base: string;

  const call = (token: string | undefined, method: string, path: string, options: { body?: object; query?: Record<string, string> } = {}): Promise<RawResponse> =>
    send(gw, {
      method,
      path: `${base}/${path}`,
      ...(options.query ? { query: options.query } : {}),
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(options.body ? { 'content-type': FHIR } : {}) },
      ...(options.body ? { body: JSON.stringify(options.body) } : {}),
    });
  const put = (resource: { resourceType: string; id: string } & Record<string, unknown>) =>
    signedSend(gw, admin.key, { method: 'PUT', path: `${base}/${resource.resourceType}/${resource.id}`, headers: { 'content-type': FHIR }, body: JSON.stringify(resource) });
  const ids = (res: RawResponse) => ((res.json.entry ?? []) as Array<{ resource: { id: string } }>).map((e) => e.resource.id).sort();

  beforeAll(async () => {
    issuer = await createIssuer();
    stranger = await createIssuer('https://other.example.test');
    remote = await createIssuer('https://remote.example.test');
    jwksServer = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [remote.jwk] })));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
    gw = await startSecureGateway([admin], {
      issuers: [issuer],
      env: { FHIRLAKE_SMART_ISSUERS: JSON.stringify([{ issuer: issuer.issuer, audience: issuer.audience, jwks: { keys: [issuer.jwk] } }, { issuer: remote.issuer, audience: remote.audience, jwksUri }]) },
    });
    ds = (await sdkClient(gw, admin.key).send(new CreateFHIRDatastoreCommand({ DatastoreTypeVersion: 'R4' }))).DatastoreId!;
    base = `/datastore/${ds}/r4`;
    for (const id of ['alice', 'bob']) expect((await put({ resourceType: 'Patient', id })).status).toBe(201);
    await put({ resourceType: 'Observation', id: 'obs-alice', status: 'final', code: { text: 'bp' }, subject: { reference: 'Patient/alice' } });
    await put({ resourceType: 'Observation', id: 'obs-bob', status: 'final', code: { text: 'bp' }, subject: { reference: 'Patient/bob' } });
    await put({ resourceType: 'Organization', id: 'org-1', name: 'Clinic' });
  });
  afterAll(async () => {
    await gw.close();
    jwksServer.close();
  });

  it('system/ scopes grant reads and searches of their types; writes need write scopes', async () => {
    const reader = await issuer.mint({ scope: 'system/Patient.read system/Observation.rs' });
    expect((await call(reader, 'GET', 'Patient/alice')).status).toBe(200);
    expect(ids(await call(reader, 'GET', 'Observation'))).toEqual(['obs-alice', 'obs-bob']);
    const write = await call(reader, 'PUT', 'Patient/carol', { body: { resourceType: 'Patient', id: 'carol' } });
    expect(write.status).toBe(403);
    expect(write.json.issue[0]).toMatchObject({ code: 'forbidden', diagnostics: expect.stringContaining('update on Patient') });
    expect((await call(reader, 'GET', 'Organization/org-1')).status).toBe(403);

    const writer = await issuer.mint({ scope: 'system/*.cruds' });
    expect((await call(writer, 'PUT', 'Patient/carol', { body: { resourceType: 'Patient', id: 'carol' } })).status).toBe(201);
    expect((await call(writer, 'DELETE', 'Patient/carol')).status).toBe(204);
    expect((await call(writer, 'GET', 'metadata')).status).toBe(200);
  });

  it('verifies tokens against a JWKS fetched from the issuer (jwksUri)', async () => {
    expect((await call(await remote.mint({ scope: 'system/Patient.read' }), 'GET', 'Patient/alice')).status).toBe(200);
    expect((await call(await stranger.mint({ scope: 'system/Patient.read', iss: remote.issuer, aud: remote.audience }), 'GET', 'Patient/alice')).status).toBe(401);
  });

  it('rejects tokens with the wrong audience, expired, from unknown issuers or forged (401, invalid token)', async () => {
    const cases: Array<[string, string]> = [
      [await issuer.mint({ scope: 'system/*.read', aud: 'https://elsewhere.example.test' }), 'another audience'],
      [await issuer.mint({ scope: 'system/*.read', expiresIn: Math.floor(Date.now() / 1000) - 120 }), 'expired'],
      [await stranger.mint({ scope: 'system/*.read' }), 'does not trust'],
      [await stranger.mint({ scope: 'system/*.read', iss: issuer.issuer }), 'signature is invalid'],
      ['not-a-jwt', 'not a well-formed JWT'],
    ];
    for (const [token, why] of cases) {
      const res = await call(token, 'GET', 'Patient/alice');
      expect([res.status, res.json.issue[0].code, res.json.issue[0].diagnostics]).toEqual([401, 'login', expect.stringContaining(why)]);
      expect(res.headers['www-authenticate']).toContain('Bearer');
    }
  });

  it('gives no access to the control plane', async () => {
    const token = await issuer.mint({ scope: 'system/*.*' });
    const res = await send(gw, { method: 'POST', path: '/', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'HealthLake.ListFHIRDatastores' }, body: '{}' });
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ __type: 'AccessDeniedException', message: expect.stringContaining('no access to the control plane') });
    const rest = await send(gw, { method: 'GET', path: `/datastores/${ds}`, headers: { authorization: `Bearer ${token}` } });
    expect(rest.status).toBe(403);
    const audit = await send(gw, { method: 'GET', path: '/admin/audit-events', headers: { authorization: `Bearer ${token}` } });
    expect(audit.status).toBe(403);
  });

  it('limits patient/ scopes to the patient compartment of the token: reads, searches and writes', async () => {
    const alice = await issuer.mint({ scope: 'patient/*.read patient/Observation.write', patient: 'alice' });
    expect((await call(alice, 'GET', 'Patient/alice')).status).toBe(200);
    expect((await call(alice, 'GET', 'Observation/obs-alice')).status).toBe(200);
    expect((await call(alice, 'GET', 'Observation/obs-alice/_history')).status).toBe(200);
    expect((await call(alice, 'GET', 'Observation/obs-alice/_history/1')).status).toBe(200);
    // Outside the compartment: answered as if it did not exist.
    for (const path of ['Patient/bob', 'Observation/obs-bob', 'Observation/obs-bob/_history', 'Observation/obs-bob/_history/1']) {
      const res = await call(alice, 'GET', path);
      expect([path, res.status, res.json.issue[0].code]).toEqual([path, 404, 'not-found']);
    }
    expect(ids(await call(alice, 'GET', 'Patient'))).toEqual(['alice']);
    expect(ids(await call(alice, 'GET', 'Patient', { query: { _id: 'bob' } }))).toEqual([]);
    expect(ids(await call(alice, 'GET', 'Observation'))).toEqual(['obs-alice']);
    expect(ids(await call(alice, 'GET', 'Observation', { query: { patient: 'bob' } }))).toEqual([]);
    // Not patient data: readable with a patient/ scope for its type.
    expect((await call(alice, 'GET', 'Organization/org-1')).status).toBe(200);

    const own = { resourceType: 'Observation', status: 'final', code: { text: 'hr' }, subject: { reference: 'Patient/alice' } };
    expect((await call(alice, 'POST', 'Observation', { body: own })).status).toBe(201);
    expect((await call(alice, 'PUT', 'Observation/obs-alice', { body: { ...own, id: 'obs-alice' } })).status).toBe(200);
    const foreign = await call(alice, 'POST', 'Observation', { body: { ...own, subject: { reference: 'Patient/bob' } } });
    expect(foreign.status).toBe(403);
    // Moving bob's observation into alice's compartment is refused too.
    expect((await call(alice, 'PUT', 'Observation/obs-bob', { body: { ...own, id: 'obs-bob' } })).status).toBe(404);
    expect((await call(alice, 'DELETE', 'Observation/obs-bob')).status).toBe(404);
    expect((await call(alice, 'PUT', 'Patient/alice', { body: { resourceType: 'Patient', id: 'alice' } })).status).toBe(403); // no Patient write scope
    const bobObs = await signedSend(gw, admin.key, { method: 'GET', path: `${base}/Observation/obs-bob` });
    expect(bobObs.json.meta.versionId).toBe('1');
  });

  it('judges each version of a resource on its own content for vread and _history (resources moved into or out of the compartment)', async () => {
    const obs = (id: string, patient: string) => ({ resourceType: 'Observation', id, status: 'final', code: { text: 'bp' }, subject: { reference: `Patient/${patient}` } });
    // moved-in: bob's record first (v1), then alice's (v2). moved-out: alice's (v1), bob's (v2), then deleted (v3).
    for (const body of [obs('moved-in', 'bob'), obs('moved-in', 'alice'), obs('moved-out', 'alice'), obs('moved-out', 'bob')]) expect((await put(body)).status).toBeLessThan(300);
    expect((await signedSend(gw, admin.key, { method: 'DELETE', path: `${base}/Observation/moved-out` })).status).toBe(204);
    const [alice, bob] = [await issuer.mint({ scope: 'patient/*.read', patient: 'alice' }), await issuer.mint({ scope: 'patient/*.read', patient: 'bob' })];
    const status = async (token: string, path: string) => (await call(token, 'GET', path)).status;
    const history = async (token: string, path: string, query?: Record<string, string>) => {
      const res = await call(token, 'GET', `${path}/_history`, query ? { query } : {});
      if (res.status !== 200) return res.status;
      const entries = res.json.entry as Array<{ resource?: { subject: { reference: string } }; response: { etag: string } }>;
      return { total: res.json.total, versions: entries.map((e) => `${e.response.etag} ${e.resource?.subject.reference ?? 'deleted'}`) };
    };

    expect(await status(alice, 'Observation/moved-in/_history/1')).toBe(404); // bob's version: never alice's
    expect(await status(alice, 'Observation/moved-in/_history/2')).toBe(200);
    expect(await history(alice, 'Observation/moved-in')).toEqual({ total: 1, versions: ['W/"2" Patient/alice'] });
    expect(await status(bob, 'Observation/moved-in/_history/1')).toBe(200);
    expect(await status(bob, 'Observation/moved-in/_history/2')).toBe(404);
    expect(await history(bob, 'Observation/moved-in')).toEqual({ total: 1, versions: ['W/"1" Patient/bob'] });

    expect(await status(alice, 'Observation/moved-out/_history/1')).toBe(200); // alice's own old version
    expect(await status(alice, 'Observation/moved-out/_history/2')).toBe(404);
    expect(await status(alice, 'Observation/moved-out/_history/3')).toBe(404); // deleting bob's version is bob's business
    expect(await history(alice, 'Observation/moved-out')).toEqual({ total: 1, versions: ['W/"1" Patient/alice'] });
    expect(await status(bob, 'Observation/moved-out/_history/3')).toBe(410);
    expect(await history(bob, 'Observation/moved-out')).toEqual({ total: 2, versions: ['W/"3" deleted', 'W/"2" Patient/bob'] });
    expect(await history(bob, 'Observation/moved-out', { _count: '1', _offset: '1' })).toEqual({ total: 2, versions: ['W/"2" Patient/bob'] });
    // A resource with no version in the compartment does not exist for the token; system scopes see everything.
    expect(await history(alice, 'Observation/obs-bob')).toBe(404);
    expect(await history(await issuer.mint({ scope: 'system/Observation.read' }), 'Observation/moved-out')).toEqual({
      total: 3,
      versions: ['W/"3" deleted', 'W/"2" Patient/bob', 'W/"1" Patient/alice'],
    });
  });

  it('refuses patient/ scopes without a patient claim, and constrained scopes outside searches', async () => {
    const noPatient = await issuer.mint({ scope: 'patient/*.read' });
    const res = await call(noPatient, 'GET', 'Observation/obs-alice');
    expect(res.status).toBe(403);
    expect(res.json.issue[0].diagnostics).toContain('patient claim');
    const constrained = await issuer.mint({ scope: 'system/Observation.rs?category=laboratory' });
    expect((await call(constrained, 'GET', 'Observation/obs-alice')).status).toBe(403);
  });

  it('needs system/ read scopes for system-level $export; patient tokens cannot export', async () => {
    const body = { OutputDataConfig: { S3Configuration: { S3Uri: 's3://no-such-bucket/out/', KmsKeyId: 'alias/none' } }, DataAccessRoleArn: 'arn:aws:iam::000000000000:role/none' };
    const kick = (token: string, path = '$export', query?: Record<string, string>) =>
      send(gw, { method: 'POST', path: `${base}/${path}`, ...(query ? { query } : {}), headers: { authorization: `Bearer ${token}`, 'content-type': FHIR, prefer: 'respond-async' }, body: JSON.stringify(body) });
    const patient = await issuer.mint({ scope: 'patient/*.read', patient: 'alice' });
    expect((await kick(patient)).json.issue[0].diagnostics).toMatch(/System-level \$export of all resource types needs a system\/ read scope/);
    const user = await issuer.mint({ scope: 'user/*.read' });
    expect((await kick(user)).status).toBe(403);
    expect((await kick(user, 'Patient/$export')).status).not.toBe(403);
    const narrow = await issuer.mint({ scope: 'system/Patient.read' });
    expect((await kick(narrow)).status).toBe(403);
    expect((await kick(narrow, '$export', { _type: 'Patient' })).status).not.toBe(403);
    const system = await issuer.mint({ scope: 'system/*.read' });
    const allowed = await kick(system);
    expect(allowed.status).not.toBe(403); // authorized; the job checks then refuse the made-up bucket
    expect(allowed.status).not.toBe(401);
  });

  it('does not let an unsigned request through in enforce mode, and SigV4 keeps working next to SMART', async () => {
    expect((await call(undefined, 'GET', 'Patient/alice')).status).toBe(401);
    expect((await awsJson(gw, admin.key, 'DescribeFHIRDatastore', { DatastoreId: ds })).status).toBe(200);
  });
});
