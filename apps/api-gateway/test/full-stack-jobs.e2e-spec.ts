import {
  DescribeFHIRImportJobCommand,
  StartFHIRExportJobCommand,
  StartFHIRImportJobCommand,
  waitUntilFHIRExportJobCompleted,
  waitUntilFHIRImportJobCompleted,
} from '@aws-sdk/client-healthlake';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createJobDestinations, type JobDestinations, waitFor } from '@fhirlake/testing';
import request from 'supertest';
import { createDatastore } from './gateway-harness';
import { type FixtureResource, type FullStack, loadSynthea, startFullStack, uploadSynthea } from './full-stack-harness';

const terminal = new Set(['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCEL_COMPLETED', 'CANCEL_FAILED']);

describe('the whole stack, driven only through the HealthLake SDK, FHIR HTTP and S3', () => {
  let stack: FullStack;
  let dest: JobDestinations;
  const fixture = loadSynthea();

  const listKeys = async (bucket: string, prefix: string) => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await stack.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  };
  const readText = async (bucket: string, key: string) => (await (await stack.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());
  const importJob = (datastoreId: string, inputPrefix: string, name = 'synthea') =>
    stack.gateway.healthLake.send(
      new StartFHIRImportJobCommand({
        DatastoreId: datastoreId,
        JobName: name,
        InputDataConfig: { S3Uri: `s3://${dest.inputBucket}/${inputPrefix}` },
        JobOutputDataConfig: { S3Configuration: { S3Uri: `s3://${dest.outputBucket}/import-out/`, KmsKeyId: dest.kmsKeyId } },
        DataAccessRoleArn: dest.roleArn,
      }),
    );

  beforeAll(async () => {
    stack = await startFullStack();
    dest = await createJobDestinations();
    await uploadSynthea(stack.s3, dest.inputBucket, 'synthea/');
  }, 120_000);
  afterAll(() => stack?.stop());

  it('imports Synthea through the SDK, then every resource reads back through FHIR, and exports it exactly (SDK and $export)', async () => {
    const ds = await createDatastore(stack.gateway, 'full-stack');
    const { JobId } = await importJob(ds, 'synthea/');
    const waited = await waitUntilFHIRImportJobCompleted({ client: stack.gateway.healthLake, maxWaitTime: 180, minDelay: 1, maxDelay: 2 }, { DatastoreId: ds, JobId });
    expect(waited.state).toBe('SUCCESS');
    const { ImportJobProperties: job } = await stack.gateway.healthLake.send(new DescribeFHIRImportJobCommand({ DatastoreId: ds, JobId }));
    expect(job).toMatchObject({
      JobStatus: 'COMPLETED',
      JobProgressReport: { TotalNumberOfScannedFiles: 13, TotalNumberOfResourcesScanned: 7160, TotalNumberOfResourcesImported: 7160, TotalNumberOfResourcesWithCustomerError: 0 },
    });
    expect(job!.EndTime).toBeInstanceOf(Date);

    const outputPrefix = `import-out/${ds}-FHIR_IMPORT-${JobId}/`;
    const manifest = JSON.parse(await readText(dest.outputBucket, `${outputPrefix}manifest.json`));
    expect(manifest).toMatchObject({ numberOfScannedFiles: 13, numberOfResourcesScanned: 7160, numberOfResourcesImportedSuccessfully: 7160, numberOfResourcesWithCustomerError: 0, numberOfResourcesWithServerError: 0 });
    for (const key of await listKeys(dest.outputBucket, outputPrefix)) {
      const head = await stack.s3.send(new HeadObjectCommand({ Bucket: dest.outputBucket, Key: key }));
      expect({ key, sse: head.ServerSideEncryption, kms: head.SSEKMSKeyId?.endsWith(dest.kmsKeyId) }).toEqual({ key, sse: 'aws:kms', kms: true });
    }

    const base = `${stack.gateway.baseUrl}/datastore/${ds}/r4`;
    const mismatches: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < fixture.length) {
        const resource = fixture[next++];
        const res = await fetch(`${base}/${resource.resourceType}/${resource.id}`);
        const body = (await res.json()) as FixtureResource & { meta: Record<string, unknown> };
        const { meta, ...rest } = body;
        const { meta: fixtureMeta, ...fixtureRest } = resource as FixtureResource & { meta?: Record<string, unknown> };
        if (res.status !== 200 || meta.versionId !== '1' || JSON.stringify(sortKeys(rest)) !== JSON.stringify(sortKeys(fixtureRest)) || JSON.stringify(meta.profile) !== JSON.stringify(fixtureMeta?.profile)) {
          mismatches.push(`${resource.resourceType}/${resource.id}`);
        }
      }
    }));
    expect(mismatches).toEqual([]);

    // Export through the SDK: the objects hold exactly the datastore's (type, id, version) set.
    const exported = await stack.gateway.healthLake.send(
      new StartFHIRExportJobCommand({ DatastoreId: ds, DataAccessRoleArn: dest.roleArn, OutputDataConfig: { S3Configuration: { S3Uri: `s3://${dest.outputBucket}/exports`, KmsKeyId: dest.kmsKeyId } } }),
    );
    const exportWait = await waitUntilFHIRExportJobCompleted({ client: stack.gateway.healthLake, maxWaitTime: 120, minDelay: 1, maxDelay: 2 }, { DatastoreId: ds, JobId: exported.JobId });
    expect(exportWait.state).toBe('SUCCESS');
    const exportPrefix = `exports/${ds}-FHIR_EXPORT-${exported.JobId}/`;
    const keys = await listKeys(dest.outputBucket, exportPrefix);
    const seen = new Set<string>();
    for (const key of keys) {
      expect(key).toMatch(new RegExp(`^${exportPrefix}([A-Za-z]+)/\\1-\\d+\\.ndjson$`));
      const lines = (await readText(dest.outputBucket, key)).split('\n').filter((l) => l !== '');
      expect(lines.length).toBeLessThanOrEqual(5000);
      for (const line of lines) {
        const r = JSON.parse(line) as FixtureResource & { meta: { versionId: string } };
        expect(key).toContain(`/${r.resourceType}/`);
        seen.add(`${r.resourceType}/${r.id}/${r.meta.versionId}`);
      }
      const head = await stack.s3.send(new HeadObjectCommand({ Bucket: dest.outputBucket, Key: key }));
      expect(head.ServerSideEncryption).toBe('aws:kms');
      expect(head.SSEKMSKeyId).toContain(dest.kmsKeyId);
    }
    expect([...seen].sort()).toEqual(fixture.map((r) => `${r.resourceType}/${r.id}/1`).sort());

    // The same through FHIR $export, polled as Bulk Data clients do.
    const kickOff = await request(stack.gateway.baseUrl)
      .post(`/datastore/${ds}/r4/Patient/$export?_type=Patient,Encounter`)
      .set('Content-Type', 'application/fhir+json')
      .set('Prefer', 'respond-async')
      .send(JSON.stringify({ OutputDataConfig: { S3Configuration: { S3Uri: `s3://${dest.outputBucket}/bulk`, KmsKeyId: dest.kmsKeyId } }, DataAccessRoleArn: dest.roleArn }));
    expect(kickOff.status).toBe(202);
    let status: request.Response | undefined;
    await waitFor(async () => {
      status = await request(kickOff.headers['content-location']).get('');
      return status.status === 200;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    const props = status!.body.exportJobProperties;
    expect(props).toMatchObject({ jobStatus: 'COMPLETED', requiresAccessToken: false, transactionTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/), request: expect.stringContaining('Patient/$export') });
    const counts = Object.fromEntries((props.output as Array<{ type: string; count: number }>).map((o) => [o.type, 0]));
    for (const o of props.output as Array<{ type: string; count: number }>) counts[o.type] += o.count;
    expect(counts).toEqual({ Patient: fixture.filter((r) => r.resourceType === 'Patient').length, Encounter: fixture.filter((r) => r.resourceType === 'Encounter').length });
  }, 300_000);

  it('runs one job per datastore at a time (the next waits QUEUED) while two datastores run in parallel', async () => {
    // Enough data that each import takes a moment.
    const lines = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ resourceType: 'Basic', id: `b${i}`, code: { text: 'load' } })).join('\n');
    await stack.s3.send(new PutObjectCommand({ Bucket: dest.inputBucket, Key: 'bulk/basic.ndjson', Body: lines }));
    const [dsA, dsB] = [await createDatastore(stack.gateway, 'a'), await createDatastore(stack.gateway, 'b')];
    const first = await importJob(dsA, 'bulk/', 'first');
    const second = await importJob(dsA, 'bulk/', 'second');
    const other = await importJob(dsB, 'bulk/', 'other');
    const describe = async (ds: string, id: string) => (await stack.gateway.healthLake.send(new DescribeFHIRImportJobCommand({ DatastoreId: ds, JobId: id }))).ImportJobProperties!;

    const seenSecond = new Set<string>();
    let overlapped = false;
    await waitFor(async () => {
      const [a, b, c] = [await describe(dsA, first.JobId!), await describe(dsA, second.JobId!), await describe(dsB, other.JobId!)];
      seenSecond.add(b.JobStatus!);
      if (!terminal.has(a.JobStatus!)) expect(b.JobStatus).not.toBe('IN_PROGRESS');
      if (a.JobStatus === 'IN_PROGRESS' && c.JobStatus === 'IN_PROGRESS') overlapped = true;
      return terminal.has(b.JobStatus!) && terminal.has(c.JobStatus!);
    }, { timeoutMs: 180_000, intervalMs: 100 });
    expect(seenSecond.has('QUEUED')).toBe(true);
    expect(overlapped).toBe(true);
    const [a, b] = [await describe(dsA, first.JobId!), await describe(dsA, second.JobId!)];
    expect([a.JobStatus, b.JobStatus]).toEqual(['COMPLETED', 'COMPLETED']);
    expect(a.EndTime!.getTime()).toBeLessThanOrEqual(b.EndTime!.getTime());
    // The re-import made version 2 of every resource, as a PUT would.
    const read = await request(stack.gateway.baseUrl).get(`/datastore/${dsA}/r4/Basic/b7`).expect(200);
    expect(read.body.meta.versionId).toBe('2');
  }, 300_000);
});

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortKeys(v)]));
  return value;
}
