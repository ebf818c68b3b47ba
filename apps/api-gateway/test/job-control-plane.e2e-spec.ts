import {
  ConflictException,
  DeleteFHIRDatastoreCommand,
  DescribeFHIRExportJobCommand,
  DescribeFHIRImportJobCommand,
  ListFHIRExportJobsCommand,
  ListFHIRImportJobsCommand,
  ResourceNotFoundException,
  StartFHIRExportJobCommand,
  StartFHIRImportJobCommand,
  ValidationException,
} from '@aws-sdk/client-healthlake';
import { DisableKeyCommand } from '@aws-sdk/client-kms';
import { baseEnvSchema, loadConfig } from '@fhirlake/config';
import { createKmsClient } from '@fhirlake/cloud';
import { createJobDestinations, type JobDestinations } from '@fhirlake/testing';
import request from 'supertest';
import { createDatastore, startTestGateway, type TestGateway } from './gateway-harness';

describe('import and export job control plane (no workers running: jobs stay waiting)', () => {
  let gw: TestGateway;
  let ds: string;
  let dest: JobDestinations;
  const importInput = () => ({
    DatastoreId: ds,
    JobName: 'load',
    InputDataConfig: { S3Uri: `s3://${dest.inputBucket}/in/` },
    JobOutputDataConfig: { S3Configuration: { S3Uri: `s3://${dest.outputBucket}/out/`, KmsKeyId: dest.kmsKeyId } },
    DataAccessRoleArn: dest.roleArn,
  });
  const countJobs = async () => (await gw.sql.query('SELECT count(*)::int AS n FROM fhir_job')).rows[0].n as number;

  beforeAll(async () => {
    gw = await startTestGateway();
    ds = await createDatastore(gw);
    dest = await createJobDestinations();
  });
  afterAll(() => gw.close());

  it('starts, describes and lists an import job through the SDK', async () => {
    const started = await gw.healthLake.send(new StartFHIRImportJobCommand({ ...importInput(), ValidationLevel: 'structure-only' }));
    expect(started).toMatchObject({ JobId: expect.stringMatching(/^[0-9a-f]{32}$/), JobStatus: 'SUBMITTED', DatastoreId: ds });
    const { ImportJobProperties: props } = await gw.healthLake.send(new DescribeFHIRImportJobCommand({ DatastoreId: ds, JobId: started.JobId }));
    expect(props).toMatchObject({
      JobId: started.JobId,
      JobName: 'load',
      JobStatus: 'SUBMITTED',
      DatastoreId: ds,
      InputDataConfig: { S3Uri: `s3://${dest.inputBucket}/in/` },
      JobOutputDataConfig: { S3Configuration: { S3Uri: `s3://${dest.outputBucket}/out/`, KmsKeyId: dest.kmsKeyId } },
      DataAccessRoleArn: dest.roleArn,
      ValidationLevel: 'structure-only',
      JobProgressReport: { TotalNumberOfResourcesScanned: 0 },
    });
    expect(props!.SubmitTime).toBeInstanceOf(Date);
    const listed = await gw.healthLake.send(new ListFHIRImportJobsCommand({ DatastoreId: ds, JobName: 'load' }));
    expect(listed.ImportJobPropertiesList!.map((j) => j.JobId)).toContain(started.JobId);
  });

  it('returns the same job for a replayed ClientToken and refuses the token for another request', async () => {
    const input = { ...importInput(), ClientToken: 'replay-token-1' };
    const first = await gw.healthLake.send(new StartFHIRImportJobCommand(input));
    const before = await countJobs();
    const again = await gw.healthLake.send(new StartFHIRImportJobCommand(input));
    expect(again.JobId).toBe(first.JobId);
    expect(await countJobs()).toBe(before);
    await expect(gw.healthLake.send(new StartFHIRImportJobCommand({ ...input, JobName: 'different' }))).rejects.toBeInstanceOf(ConflictException);
  });

  it('starts, describes and lists export jobs, newest first with paging', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const started = await gw.healthLake.send(
        new StartFHIRExportJobCommand({ DatastoreId: ds, JobName: 'paged-export', DataAccessRoleArn: dest.roleArn, OutputDataConfig: { S3Configuration: { S3Uri: `s3://${dest.outputBucket}/exports`, KmsKeyId: dest.kmsKeyArn } } }),
      );
      ids.push(started.JobId!);
    }
    const { ExportJobProperties: props } = await gw.healthLake.send(new DescribeFHIRExportJobCommand({ DatastoreId: ds, JobId: ids[0] }));
    expect(props).toMatchObject({ JobStatus: 'SUBMITTED', OutputDataConfig: { S3Configuration: { KmsKeyId: dest.kmsKeyArn } } });
    const seen: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await gw.healthLake.send(new ListFHIRExportJobsCommand({ DatastoreId: ds, JobName: 'paged-export', MaxResults: 2, NextToken }));
      seen.push(...page.ExportJobPropertiesList!.map((j) => j.JobId!));
      NextToken = page.NextToken;
    } while (NextToken);
    expect(seen).toEqual([...ids].reverse());
    const filtered = await gw.healthLake.send(new ListFHIRExportJobsCommand({ DatastoreId: ds, JobStatus: 'COMPLETED' }));
    expect(filtered.ExportJobPropertiesList).toEqual([]);
    const later = await gw.healthLake.send(new ListFHIRExportJobsCommand({ DatastoreId: ds, SubmittedAfter: new Date(Date.now() + 60_000) }));
    expect(later.ExportJobPropertiesList).toEqual([]);
    // An import job id is not an export job.
    const imported = await gw.healthLake.send(new StartFHIRImportJobCommand(importInput()));
    await expect(gw.healthLake.send(new DescribeFHIRExportJobCommand({ DatastoreId: ds, JobId: imported.JobId }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it.each([
    ['a malformed input URI', { InputDataConfig: { S3Uri: 'http://bucket/x' } }, /InputDataConfig.S3Uri/],
    ['a malformed role ARN', { DataAccessRoleArn: 'arn:aws:iam::12:user/x' }, /DataAccessRoleArn/],
    ['an unknown validation level', { ValidationLevel: 'lenient' }, /ValidationLevel/],
    ['a job name with forbidden characters', { JobName: 'x'.repeat(65) }, /JobName/],
    ['a missing KMS key', { JobOutputDataConfig: { S3Configuration: { S3Uri: 's3://output-bucket-x/o', KmsKeyId: '11111111-2222-3333-4444-555555555555' } } }, /KMS key .* not found/],
    ['a missing output bucket', { JobOutputDataConfig: { S3Configuration: { S3Uri: 's3://no-such-bucket-here/o', KmsKeyId: 'PLACEHOLDER' } } }, /output bucket no-such-bucket-here does not exist/],
  ])('rejects %s with ValidationException and creates no job', async (_label, override, message) => {
    const input = JSON.parse(JSON.stringify({ ...importInput(), ...override }).replace('PLACEHOLDER', dest.kmsKeyId));
    const before = await countJobs();
    const error = await gw.healthLake.send(new StartFHIRImportJobCommand(input)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as Error).message).toMatch(message);
    expect(await countJobs()).toBe(before);
  });

  it('rejects a disabled KMS key before accepting the job (moto would not)', async () => {
    const kms = createKmsClient(loadConfig(baseEnvSchema, process.env));
    const other = await createJobDestinations();
    await kms.send(new DisableKeyCommand({ KeyId: other.kmsKeyId }));
    kms.destroy();
    const input = importInput();
    input.JobOutputDataConfig.S3Configuration.KmsKeyId = other.kmsKeyId;
    await expect(gw.healthLake.send(new StartFHIRImportJobCommand(input))).rejects.toThrow(/not enabled/);
  });

  it('answers unknown datastores and jobs with ResourceNotFoundException, and protects datastores with pending jobs', async () => {
    await expect(gw.healthLake.send(new StartFHIRImportJobCommand({ ...importInput(), DatastoreId: 'f'.repeat(32) }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(gw.healthLake.send(new DescribeFHIRImportJobCommand({ DatastoreId: ds, JobId: '0'.repeat(32) }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(gw.healthLake.send(new ListFHIRImportJobsCommand({ DatastoreId: 'f'.repeat(32) }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(gw.healthLake.send(new DeleteFHIRDatastoreCommand({ DatastoreId: ds }))).rejects.toBeInstanceOf(ConflictException);
  });

  it('cancels a waiting job at once through the REST route; a finished job cannot be cancelled again', async () => {
    const started = await gw.healthLake.send(new StartFHIRImportJobCommand(importInput()));
    const cancelled = await request(gw.baseUrl).delete(`/datastores/${ds}/import-jobs/${started.JobId}`).expect(200);
    expect(cancelled.body.JobStatus).toBe('CANCEL_COMPLETED');
    const again = await request(gw.baseUrl).delete(`/datastores/${ds}/import-jobs/${started.JobId}`);
    expect(again.status).toBe(409);
    expect(JSON.parse(again.text).__type).toBe('ConflictException');
  });

  it('documents the job routes in OpenAPI', async () => {
    const doc = (await request(gw.baseUrl).get('/docs-json').expect(200)).body;
    for (const path of ['/datastores/{datastoreId}/import-jobs', '/datastores/{datastoreId}/export-jobs/{jobId}', '/datastore/{datastoreId}/r4/$export', '/datastores', '/datastores/{datastoreId}']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });
});

describe('FHIR $export kick-off, status and cancel', () => {
  let gw: TestGateway;
  let ds: string;
  let dest: JobDestinations;
  const body = () => ({ JobName: 'bulk', OutputDataConfig: { S3Configuration: { S3Uri: `s3://${dest.outputBucket}/bulk`, KmsKeyId: dest.kmsKeyId } }, DataAccessRoleArn: dest.roleArn });
  const kickOff = (path: string) =>
    request(gw.baseUrl).post(`/datastore/${ds}/r4/${path}`).set('Content-Type', 'application/fhir+json').set('Prefer', 'respond-async');

  beforeAll(async () => {
    gw = await startTestGateway();
    ds = await createDatastore(gw);
    dest = await createJobDestinations();
  });
  afterAll(() => gw.close());

  it.each(['$export', 'Patient/$export', 'Group/g1/$export'])('accepts %s with 202, Content-Location and the job id', async (path) => {
    const res = await kickOff(`${path}?_type=Patient,Observation&_since=2020-01-01T00:00:00Z&_outputFormat=application/fhir%2Bndjson`).send(JSON.stringify(body()));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ datastoreId: ds, jobStatus: 'SUBMITTED', jobId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(res.headers['content-location']).toBe(`${gw.baseUrl}/datastore/${ds}/r4/export/${res.body.jobId}`);
    const { rows } = await gw.sql.query('SELECT export_request FROM fhir_job WHERE id = $1', [res.body.jobId]);
    expect(rows[0].export_request).toMatchObject({ types: ['Patient', 'Observation'], since: '2020-01-01T00:00:00.000Z', outputFormat: 'application/fhir+ndjson' });
    const status = await request(res.headers['content-location']).get('');
    expect(status.status).toBe(202);
    expect(status.headers['x-progress']).toBeDefined();
    expect(status.headers['retry-after']).toBeDefined();
    expect(status.body.exportJobProperties).toMatchObject({ jobId: res.body.jobId, jobStatus: 'SUBMITTED', datastoreId: ds, outputDataConfig: { s3Configuration: { kmsKeyId: dest.kmsKeyId } } });
    const cancelled = await request(res.headers['content-location']).delete('').expect(202);
    expect(cancelled.body.exportJobProperties).toMatchObject({ jobId: res.body.jobId, datastoreId: ds });
    const finished = await request(res.headers['content-location']).get('').expect(200);
    expect(finished.body.exportJobProperties).toMatchObject({ jobStatus: 'CANCEL_COMPLETED', requiresAccessToken: false, output: [], request: expect.stringContaining('$export') });
    const again = await request(res.headers['content-location']).delete('').expect(409);
    expect(again.body.resourceType).toBe('OperationOutcome');
  });

  it.each([
    ['no Prefer header', (r: request.Test) => r.unset('Prefer'), '', /Prefer: respond-async/],
    ['a JSON content type', (r: request.Test) => r.set('Content-Type', 'application/json'), '', /Content-Type/],
    ['an unsupported _outputFormat', (r: request.Test) => r, '?_outputFormat=text/csv', /_outputFormat/],
    ['an unknown _type', (r: request.Test) => r, '?_type=Patient,Unicorn', /Unicorn/],
    ['a malformed _since', (r: request.Test) => r, '?_since=yesterday', /_since/],
    ['a date-only _until', (r: request.Test) => r, '?_until=2024-01-01', /_until/],
    ['an unknown parameter', (r: request.Test) => r, '?_elements=id', /_elements/],
    ['_since after _until', (r: request.Test) => r, '?_since=2024-02-01T00:00:00Z&_until=2024-01-01T00:00:00Z', /_since/],
  ])('rejects a kick-off with %s (400 OperationOutcome, no job)', async (_label, tweak, query, message) => {
    const before = (await gw.sql.query('SELECT count(*)::int AS n FROM fhir_job')).rows[0].n;
    const res = await tweak(kickOff(`$export${query}`)).send(JSON.stringify(body()));
    expect(res.status).toBe(400);
    const outcome = JSON.parse(res.text);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].diagnostics).toMatch(message);
    expect((await gw.sql.query('SELECT count(*)::int AS n FROM fhir_job')).rows[0].n).toBe(before);
  });

  it('rejects a kick-off body without an output location', async () => {
    const res = await kickOff('$export').send(JSON.stringify({ DataAccessRoleArn: dest.roleArn }));
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/OutputDataConfig/);
  });

  it('answers unknown datastores and jobs with 404 OperationOutcomes', async () => {
    const res = await request(gw.baseUrl).post(`/datastore/${'f'.repeat(32)}/r4/$export`).set('Content-Type', 'application/fhir+json').set('Prefer', 'respond-async').send(JSON.stringify(body()));
    expect(res.status).toBe(404);
    await request(gw.baseUrl).get(`/datastore/${ds}/r4/export/${'0'.repeat(32)}`).expect(404);
  });
});
