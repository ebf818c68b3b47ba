import { writeFileSync } from 'node:fs';
import { CreateFHIRDatastoreCommand, ListFHIRDatastoresCommand } from '@aws-sdk/client-healthlake';
import type { GatewayEnv } from '@fhirlake/config';
import { PrincipalRegistry } from '../src/auth/principal-registry';
import { startTestGateway, type TestGateway } from './gateway-harness';
import { ALLOW_ALL, failure, awsJson, presign, principal, sdkClient, send, sign, signedSend, startSecureGateway, writePrincipalsFile, type TestPrincipal } from './security-fixtures';

const FHIR = 'application/fhir+json';

describe('authentication (enforce mode): SigV4 with the principals file', () => {
  const admin = principal('admin', [ALLOW_ALL]);
  const withToken = principal('session-user', [ALLOW_ALL], { sessionToken: 'session-token-value' });
  let gw: TestGateway & { principalsFile: string };
  let ds: string;

  beforeAll(async () => {
    gw = await startSecureGateway([admin, withToken]);
    const created = await sdkClient(gw, admin.key).send(new CreateFHIRDatastoreCommand({ DatastoreTypeVersion: 'R4', DatastoreName: 'auth' }));
    ds = created.DatastoreId!;
  });
  afterAll(() => gw.close());

  it('accepts the real HealthLake SDK signing with a principal key, and answers x-amzn-RequestId', async () => {
    const listed = await sdkClient(gw, admin.key).send(new ListFHIRDatastoresCommand({}));
    expect(listed.DatastorePropertiesList!.map((d) => d.DatastoreId)).toContain(ds);
    expect(listed.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses unsigned control-plane calls with MissingAuthenticationTokenException (403)', async () => {
    const res = await awsJson(gw, undefined, 'ListFHIRDatastores', {});
    expect(res.status).toBe(403);
    expect(res.json.__type).toBe('MissingAuthenticationTokenException');
  });

  it('refuses unknown access keys with UnrecognizedClientException', async () => {
    const error = await failure(sdkClient(gw, { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) }).send(new ListFHIRDatastoresCommand({})));
    expect(error).toMatchObject({ name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(403);
  });

  it('refuses a wrong secret with InvalidSignatureException (signature mismatch)', async () => {
    const error = await failure(sdkClient(gw, { ...admin.key, secretAccessKey: 'wrong-secret-wrong-secret-wrong' }).send(new ListFHIRDatastoresCommand({})));
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.message).toMatch(/^The request signature we calculated does not match the signature you provided/);
  });

  it('refuses requests signed more than 15 minutes ago or ahead', async () => {
    const late = await failure(sdkClient(gw, admin.key, { systemClockOffset: -20 * 60_000 }).send(new ListFHIRDatastoresCommand({})));
    expect(late.name).toBe('InvalidSignatureException');
    expect(late.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
    const early = await failure(sdkClient(gw, admin.key, { systemClockOffset: 20 * 60_000 }).send(new ListFHIRDatastoresCommand({})));
    expect(early.message).toMatch(/^Signature not yet current/);
    // 10 minutes of skew is fine.
    await expect(sdkClient(gw, admin.key, { systemClockOffset: -10 * 60_000 }).send(new ListFHIRDatastoresCommand({}))).resolves.toBeDefined();
  });

  it('detects a tampered body, a tampered signed header and a tampered date', async () => {
    const signed = await sign(gw, admin.key, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'HealthLake.DescribeFHIRDatastore' }, body: JSON.stringify({ DatastoreId: ds }) });
    expect((await send(gw, signed)).status).toBe(200);
    const body = await send(gw, { ...signed, body: JSON.stringify({ DatastoreId: ds.slice(0, -1) + (ds.endsWith('0') ? '1' : '0') }) });
    expect(body.status).toBe(403);
    expect(body.json.__type).toBe('InvalidSignatureException');
    const header = await send(gw, { ...signed, headers: { ...signed.headers, 'x-amz-target': 'HealthLake.DeleteFHIRDatastore' } });
    expect(header.json.__type).toBe('InvalidSignatureException');
    const date = await send(gw, { ...signed, headers: { ...signed.headers, 'x-amz-date': signed.headers!['x-amz-date']!.replace(/\d{2}Z$/, (s) => `${String((Number(s.slice(0, 2)) + 1) % 60).padStart(2, '0')}Z`) } });
    expect(date.json.__type).toBe('InvalidSignatureException');
  });

  it('checks the credential scope: service and region', async () => {
    const req = { method: 'GET', path: `/datastore/${ds}/r4/metadata` };
    const wrongService = await send(gw, await sign(gw, admin.key, req, { service: 's3' }));
    expect(wrongService.status).toBe(403);
    expect(wrongService.json.issue[0].diagnostics).toMatch(/scoped to correct service: 'healthlake'/);
    const wrongRegion = await send(gw, await sign(gw, admin.key, req, { region: 'eu-west-1' }));
    expect(wrongRegion.json.issue[0].diagnostics).toMatch(/valid region, not 'eu-west-1'/);
  });

  it('verifies signed FHIR requests (body included) and answers failures with OperationOutcomes', async () => {
    const body = JSON.stringify({ resourceType: 'Patient', id: 'p1', gender: 'female' });
    const put = { method: 'PUT', path: `/datastore/${ds}/r4/Patient/p1`, headers: { 'content-type': FHIR }, body };
    expect((await signedSend(gw, admin.key, put)).status).toBe(201);
    const read = await signedSend(gw, admin.key, { method: 'GET', path: `/datastore/${ds}/r4/Patient/p1` });
    expect(read.status).toBe(200);
    expect(read.json.gender).toBe('female');
    const searched = await signedSend(gw, admin.key, { method: 'GET', path: `/datastore/${ds}/r4/Patient`, query: { _id: 'p1', _count: '5' } });
    expect(searched.json.total).toBe(1);

    const signed = await sign(gw, admin.key, put);
    const tampered = await send(gw, { ...signed, body: body.replace('female', 'male') });
    expect(tampered.status).toBe(403);
    // @smithy/signature-v4 also sends x-amz-content-sha256, so the body hash is caught first.
    expect(tampered.json).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'security', diagnostics: "The provided 'x-amz-content-sha256' header does not match what was computed." }] });
    const withoutHashHeader = await sign(gw, admin.key, put, { applyChecksum: false });
    expect(withoutHashHeader.headers!['x-amz-content-sha256']).toBeUndefined();
    expect((await send(gw, withoutHashHeader)).status).toBe(200);
    const bare = await send(gw, { ...withoutHashHeader, body: body.replace('female', 'male') });
    expect(bare.json.issue[0].diagnostics).toMatch(/^The request signature we calculated does not match/);
    expect((await signedSend(gw, admin.key, { method: 'GET', path: `/datastore/${ds}/r4/Patient/p1` })).json.gender).toBe('female');

    const unsigned = await send(gw, { method: 'GET', path: `/datastore/${ds}/r4/Patient/p1` });
    expect(unsigned.status).toBe(401);
    expect(unsigned.json.issue[0].code).toBe('login');
    expect(unsigned.headers['www-authenticate']).toContain('Bearer');
  });

  it('accepts query-string presigned requests until they expire', async () => {
    const req = { method: 'GET', path: `/datastore/${ds}/r4/Patient/p1` };
    expect((await send(gw, await presign(gw, admin.key, req))).status).toBe(200);
    const expired = await send(gw, await presign(gw, admin.key, req, 60, new Date(Date.now() - 5 * 60_000)));
    expect(expired.status).toBe(403);
    expect(expired.json.issue[0].diagnostics).toMatch(/^Request has expired/);
    const forged = await presign(gw, admin.key, req);
    expect((await send(gw, { ...forged, path: `/datastore/${ds}/r4/Patient/p2` })).status).toBe(403);
  });

  it('requires the configured session token when a key has one', async () => {
    await expect(sdkClient(gw, withToken.key).send(new ListFHIRDatastoresCommand({}))).resolves.toBeDefined();
    const wrong = await failure(sdkClient(gw, { ...withToken.key, sessionToken: 'another-token' }).send(new ListFHIRDatastoresCommand({})));
    expect(wrong.name).toBe('UnrecognizedClientException');
    const none = await failure(sdkClient(gw, { accessKeyId: withToken.key.accessKeyId, secretAccessKey: withToken.key.secretAccessKey }).send(new ListFHIRDatastoresCommand({})));
    expect(none.name).toBe('UnrecognizedClientException');
  });

  it('reloads the principals file on SIGHUP and keeps the old set when the new file is invalid', async () => {
    const newcomer = principal('newcomer', [ALLOW_ALL]);
    const registry = gw.app.get(PrincipalRegistry);
    writePrincipalsFile([admin, withToken, newcomer], gw.principalsFile);
    process.emit('SIGHUP', 'SIGHUP');
    await expect(sdkClient(gw, newcomer.key).send(new ListFHIRDatastoresCommand({}))).resolves.toBeDefined();

    writeFileSync(gw.principalsFile, JSON.stringify({ principals: [{ name: 'broken', arn: 'nope', accessKeys: [] }] }));
    expect(registry.reload()).toBe(false);
    await expect(sdkClient(gw, newcomer.key).send(new ListFHIRDatastoresCommand({}))).resolves.toBeDefined();
    writePrincipalsFile([admin, withToken], gw.principalsFile);
    expect(registry.reload()).toBe(true);
    const gone = await failure(sdkClient(gw, newcomer.key).send(new ListFHIRDatastoresCommand({})));
    expect(gone.name).toBe('UnrecognizedClientException');
  });
});

describe('authentication: invalid principals files stop the gateway at boot', () => {
  const boot = (file: string) => () => new PrincipalRegistry({ FHIRLAKE_PRINCIPALS_FILE: file, FHIRLAKE_AUTH_MODE: 'enforce' } as GatewayEnv);

  it('names the bad entry without echoing secrets', () => {
    const bad: TestPrincipal = principal('reader', [{ Version: '2012-10-17', Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }] }]);
    const file = writePrincipalsFile([principal('admin', [ALLOW_ALL]), bad]);
    expect(boot(file)).toThrow(/principals\[1\] "reader"\.policies\[0\]: Statement\[0\]\.Effect must be "Allow" or "Deny"/);
    expect(catchMessage(boot(file))).not.toContain(bad.key.secretAccessKey);

    const shortSecret = writePrincipalsFile([{ ...bad, policies: [ALLOW_ALL], key: { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'short-secret' } }]);
    expect(boot(shortSecret)).toThrow(/principals\[0\] "reader"\.accessKeys\[0\]\.secretAccessKey: must be at least 16 characters/);
    expect(catchMessage(boot(shortSecret))).not.toContain('short-secret');
    expect(boot('/nonexistent/principals.json')).toThrow(/Cannot read FHIRLAKE_PRINCIPALS_FILE \/nonexistent\/principals.json: ENOENT/);
  });
});

function catchMessage(work: () => unknown): string {
  try {
    work();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('development mode (FHIRLAKE_AUTH_MODE=dev)', () => {
  const reader = principal('reader', [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['healthlake:List*', 'healthlake:Describe*'], Resource: '*' }] }]);
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ FHIRLAKE_AUTH_MODE: 'dev', FHIRLAKE_PRINCIPALS_FILE: writePrincipalsFile([reader]) });
  });
  afterAll(() => gw.close());

  it('lets unsigned loopback requests and unknown keys act as dev-admin', async () => {
    const created = await awsJson(gw, undefined, 'CreateFHIRDatastore', { DatastoreTypeVersion: 'R4' });
    expect(created.status).toBe(200);
    await expect(sdkClient(gw, { accessKeyId: 'testing', secretAccessKey: 'testing' }).send(new ListFHIRDatastoresCommand({}))).resolves.toBeDefined();
  });

  it('still verifies known keys fully, and applies their own policies', async () => {
    await expect(sdkClient(gw, reader.key).send(new ListFHIRDatastoresCommand({}))).resolves.toBeDefined();
    const bad = await failure(sdkClient(gw, { ...reader.key, secretAccessKey: 'not-the-secret-not-the-secret' }).send(new ListFHIRDatastoresCommand({})));
    expect(bad.name).toBe('InvalidSignatureException');
    const skewed = await failure(sdkClient(gw, reader.key, { systemClockOffset: -30 * 60_000 }).send(new ListFHIRDatastoresCommand({})));
    expect(skewed.name).toBe('InvalidSignatureException');
    const denied = await failure(sdkClient(gw, reader.key).send(new CreateFHIRDatastoreCommand({ DatastoreTypeVersion: 'R4' })));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toContain('healthlake:CreateFHIRDatastore');
  });

  it('enforces requests forwarded for a non-loopback client', async () => {
    const res = await send(gw, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'HealthLake.ListFHIRDatastores', 'x-forwarded-for': '203.0.113.7' }, body: '{}' });
    expect(res.status).toBe(403);
    expect(res.json.__type).toBe('MissingAuthenticationTokenException');
  });
});
