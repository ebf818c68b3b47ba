import type { INestApplicationContext } from '@nestjs/common';
import { healthLakeDatastoreArn, JobAwsClients } from '@fhirlake/cloud';
import { motoAssumedRoles, type PrivateMoto, recordMotoRequests, testAwsEnv, usePrivateMoto, waitFor } from '@fhirlake/testing';
import {
  createDatastore,
  createImportTestBed,
  generatedLines,
  type ImportTestBed,
  jobFolderKey,
  putObject,
  readObjects,
  startImporter,
  storedResources,
  submitImport,
  waitForJob,
} from './import-harness';

describe('an importer with FHIRLAKE_ASSUME_ROLE=true', () => {
  const env = testAwsEnv();
  let moto: PrivateMoto;
  let bed: ImportTestBed;
  let importer: INestApplicationContext;

  beforeAll(async () => {
    // Its own moto: motoAssumedRoles reads moto's whole state.
    moto = await usePrivateMoto();
    bed = await createImportTestBed('import-assume-role');
    await putObject(bed, 'in/a.ndjson', `${generatedLines(20, 'ar').join('\n')}\n`);
    importer = await startImporter(bed, {}, { FHIRLAKE_ASSUME_ROLE: 'true' });
  });
  afterAll(async () => {
    await importer?.close();
    await bed?.close();
    await moto?.restore();
  });

  it("reads the input and writes every output as the job's data access role, then drops the job's clients", async () => {
    const ds = await createDatastore(bed.sql);
    const { result: job, requests } = await recordMotoRequests(async () => waitForJob(bed, (await submitImport(bed, ds, { input: `s3://${bed.bucket}/in/` })).id));
    expect([job.status, job.message]).toEqual(['COMPLETED', null]);
    expect((await storedResources(bed.sql, ds)).size).toBe(20);
    expect((await readObjects(bed.s3, bed.bucket, jobFolderKey(job))).map((o) => o.key.slice(jobFolderKey(job).length))).toEqual(['SUCCESS/a.ndjson', 'manifest.json']);

    // Every session of the job is the bed's role, for this datastore.
    const sessions = (await motoAssumedRoles()).filter((s) => s.sessionName === `fhirlake-${job.id}`);
    expect(sessions.length).toBeGreaterThanOrEqual(2); // the preflight's and the data clients'
    for (const s of sessions) expect(s).toMatchObject({ roleArn: bed.roleArn, externalId: healthLakeDatastoreArn(env.AWS_REGION, env.FHIRLAKE_ACCOUNT_ID, ds) });
    const roleKeys = new Set(sessions.map((s) => s.accessKeyId));

    // fhirlake's own identity only reads the role (IAM) and assumes it (STS); S3 and KMS calls are the role's.
    const byService = (service: string) => requests.filter((r) => r.service === service);
    for (const service of ['iam', 'sts']) expect(new Set(byService(service).map((r) => r.accessKeyId))).toEqual(new Set([process.env.AWS_ACCESS_KEY_ID]));
    const s3 = byService('s3');
    expect(s3.filter((r) => r.method === 'GET' && r.url.includes(`/${bed.bucket}/in/a.ndjson`))).not.toEqual([]);
    expect(s3.filter((r) => r.method === 'PUT' && r.url.includes(`/${bed.bucket}/${jobFolderKey(job)}manifest.json`))).not.toEqual([]);
    expect(byService('kms')).not.toEqual([]);
    for (const r of [...s3, ...byService('kms')]) expect([r.method, r.url, roleKeys.has(r.accessKeyId!)]).toEqual([r.method, r.url, true]);

    // The job's own clients are destroyed when it ends.
    await waitFor(async () => importer.get(JobAwsClients).openJobs === 0, { timeoutMs: 5000, description: "the job's clients to be dropped" });
  });
});
