import { connect } from 'node:net';
import { CreateFHIRDatastoreCommand } from '@aws-sdk/client-healthlake';
import { ALLOW_ALL, awsJson, principal, sdkClient, signedSend, startSecureGateway, type RawResponse } from './security-fixtures';

const FHIR = 'application/fhir+json';
const INJECTIONS = ["' OR '1'='1", "x'; DROP TABLE fhir_resource; --", '1 UNION SELECT * FROM audit_event', "Patient/x') OR 1=1--", '%27%20OR%201%3D1'];

/** Sends raw bytes; resolves with what came back and whether the server closed the connection. */
function rawExchange(baseUrl: string, payload: string): Promise<{ response: string; closed: boolean }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let response = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ response, closed: false });
    }, 3000);
    socket.on('data', (chunk) => (response += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, closed: true });
    });
    socket.on('error', reject);
    socket.write(payload);
  });
}

describe('input hardening', () => {
  const admin = principal('admin', [ALLOW_ALL]);
  let gw: Awaited<ReturnType<typeof startSecureGateway>>;
  let ds: string;
  let base: string;
  const put = (path: string, body: string, contentType?: string): Promise<RawResponse> =>
    signedSend(gw, admin.key, { method: 'PUT', path: `${base}/${path}`, headers: contentType ? { 'content-type': contentType } : {}, body });
  const tableCounts = async () => (await gw.sql.query('SELECT (SELECT count(*) FROM datastore)::int AS d, (SELECT count(*) FROM fhir_resource)::int AS r, (SELECT count(*) FROM fhir_job)::int AS j')).rows[0];

  beforeAll(async () => {
    gw = await startSecureGateway([admin], { env: { FHIRLAKE_MAX_BODY_BYTES: '4096' } });
    ds = (await sdkClient(gw, admin.key).send(new CreateFHIRDatastoreCommand({ DatastoreTypeVersion: 'R4' }))).DatastoreId!;
    base = `/datastore/${ds}/r4`;
    expect((await put('Patient/p1', JSON.stringify({ resourceType: 'Patient', id: 'p1' }), FHIR)).status).toBe(201);
  });
  afterAll(() => gw.close());

  it('treats SQL-injection strings in ids and parameters as data: client errors or no match, never a 500, nothing changed', async () => {
    const before = await tableCounts();
    const statuses: string[] = [];
    for (const evil of INJECTIONS) {
      const encoded = encodeURIComponent(evil);
      const results = [
        await awsJson(gw, admin.key, 'DescribeFHIRDatastore', { DatastoreId: evil }),
        await awsJson(gw, admin.key, 'ListFHIRDatastores', { Filter: { DatastoreName: evil } }),
        await awsJson(gw, admin.key, 'DescribeFHIRImportJob', { DatastoreId: ds, JobId: evil }),
        await awsJson(gw, admin.key, 'ListFHIRExportJobs', { DatastoreId: ds, JobName: evil }),
        await signedSend(gw, admin.key, { method: 'GET', path: `/datastores/${encoded}` }),
        await signedSend(gw, admin.key, { method: 'GET', path: `${base}/Patient/${encoded}` }),
        await signedSend(gw, admin.key, { method: 'GET', path: `/datastore/${encoded}/r4/Patient/p1` }),
        await signedSend(gw, admin.key, { method: 'GET', path: `${base}/Patient`, query: { _id: evil } }),
        await signedSend(gw, admin.key, { method: 'GET', path: `${base}/Observation`, query: { patient: evil } }),
        await signedSend(gw, admin.key, { method: 'GET', path: `${base}/Patient`, query: { _lastUpdated: evil } }),
        await signedSend(gw, admin.key, { method: 'GET', path: `${base}/Patient`, query: { [evil]: 'x' } }),
        await signedSend(gw, admin.key, { method: 'GET', path: '/admin/audit-events', query: { principal: evil, action: evil } }),
      ];
      results.forEach((res, i) => {
        const ok = (res.status >= 400 && res.status < 500) || (res.status === 200 && (res.json?.total === 0 || res.json?.DatastorePropertiesList?.length === 0 || res.json?.ExportJobPropertiesList?.length === 0 || res.json?.AuditEvents?.length === 0));
        if (!ok) statuses.push(`${evil} #${i}: ${res.status} ${res.text.slice(0, 120)}`);
      });
    }
    expect(statuses).toEqual([]);
    expect(await tableCounts()).toEqual(before);
  });

  it('rejects path traversal and odd characters in S3 URIs and object keys before anything starts', async () => {
    const before = await tableCounts();
    const bad = [
      's3://bucket/../etc/',
      's3://bucket/in/../../other/',
      's3://bucket/./in/',
      's3://bucket/in//x/',
      's3://bucket/in\\..\\x',
      's3://bucket/in/%2e%2e/',
      's3://bucket/in/\u0000/',
      's3://bucket/in/\n/',
      's3://bucket/in/#frag',
      's3://bucket/in/{x}',
      's3://bu..cket/in/',
      's3://Bucket/in/',
      'http://bucket/in/',
      's3://bucket/in/`id`',
    ];
    const problems: string[] = [];
    for (const uri of bad) {
      const outputConfig = { S3Configuration: { S3Uri: 's3://bucket/out/', KmsKeyId: 'alias/k' } };
      const role = 'arn:aws:iam::000000000000:role/r';
      const asInput = await awsJson(gw, admin.key, 'StartFHIRImportJob', { DatastoreId: ds, InputDataConfig: { S3Uri: uri }, JobOutputDataConfig: outputConfig, DataAccessRoleArn: role });
      const asOutput = await awsJson(gw, admin.key, 'StartFHIRExportJob', { DatastoreId: ds, OutputDataConfig: { S3Configuration: { S3Uri: uri, KmsKeyId: 'alias/k' } }, DataAccessRoleArn: role });
      const viaFhir = await signedSend(gw, admin.key, { method: 'POST', path: `${base}/$export`, headers: { 'content-type': FHIR, prefer: 'respond-async' }, body: JSON.stringify({ OutputDataConfig: { S3Configuration: { S3Uri: uri, KmsKeyId: 'alias/k' } }, DataAccessRoleArn: role }) });
      for (const [name, res] of [['import input', asInput], ['export output', asOutput]] as const) {
        if (res.status !== 400 || res.json.__type !== 'ValidationException' || !/S3Uri/.test(res.json.message)) problems.push(`${JSON.stringify(uri)} ${name}: ${res.status} ${res.text.slice(0, 150)}`);
      }
      if (viaFhir.status !== 400 || viaFhir.json.resourceType !== 'OperationOutcome') problems.push(`${JSON.stringify(uri)} $export: ${viaFhir.status}`);
    }
    expect(problems).toEqual([]);
    expect(await tableCounts()).toEqual(before);
  });

  it('answers 413 for oversized bodies, in each API format', async () => {
    const big = JSON.stringify({ resourceType: 'Patient', id: 'big', text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(8000)}</div>` } });
    const fhir = await put('Patient/big', big, FHIR);
    expect(fhir.status).toBe(413);
    expect(fhir.json).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-costly' }] });
    const control = await awsJson(gw, admin.key, 'CreateFHIRDatastore', { DatastoreTypeVersion: 'R4', DatastoreName: 'x'.repeat(8000) });
    expect(control.status).toBe(413);
    expect(control.json.__type).toBe('ValidationException');
  });

  it('accepts only JSON content types on FHIR writes (415 OperationOutcome otherwise)', async () => {
    const body = JSON.stringify({ resourceType: 'Patient', id: 'ct' });
    for (const type of ['text/plain', 'application/xml', 'application/fhir+xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', undefined]) {
      const res = await put('Patient/ct', body, type);
      expect([type, res.status, res.json?.issue?.[0]?.code]).toEqual([type, 415, 'not-supported']);
    }
    const post = await signedSend(gw, admin.key, { method: 'POST', path: `${base}/Patient`, headers: { 'content-type': 'text/plain' }, body });
    expect(post.status).toBe(415);
    expect((await gw.sql.query("SELECT count(*)::int AS n FROM fhir_resource WHERE id = 'ct'")).rows[0].n).toBe(0);
    expect((await put('Patient/ct', body, 'application/json')).status).toBe(201);
    expect((await put('Patient/ct', body, 'application/fhir+json; charset=utf-8')).status).toBe(200);
    expect((await put('Patient/ct', body, 'application/json+fhir')).status).toBe(200);
  });

  it('refuses request smuggling: conflicting Content-Length / Transfer-Encoding get 400 and a closed connection', async () => {
    const { port } = new URL(gw.baseUrl);
    const both = await rawExchange(
      gw.baseUrl,
      `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    expect(both.response).toMatch(/^HTTP\/1\.1 400 /);
    expect(both.response).not.toMatch(/"status":"ok"/);
    expect(both.closed).toBe(true);
    const twoLengths = await rawExchange(gw.baseUrl, `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}`);
    expect(twoLengths.response).toMatch(/^HTTP\/1\.1 400 /);
    expect(twoLengths.closed).toBe(true);
    const obfuscated = await rawExchange(gw.baseUrl, `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nTransfer-Encoding: xchunked\r\nContent-Length: 2\r\n\r\n{}`);
    expect(obfuscated.response).toMatch(/^HTTP\/1\.1 400 /);
    expect(obfuscated.closed).toBe(true);
  });
});
