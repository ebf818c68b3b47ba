import type { INestApplicationContext } from '@nestjs/common';
import { healthLakeDatastoreArn, JobAwsClients } from '@fhirlake/cloud';
import { motoAssumedRoles, type PrivateMoto, recordMotoRequests, testAwsEnv, usePrivateMoto, waitFor } from '@fhirlake/testing';
import { createDatastore, createExportTestBed, exportFolder, type ExportTestBed, loadResources, readExport, startExporter, submitExport, waitForJob } from './export-harness';

describe('an exporter with FHIRLAKE_ASSUME_ROLE=true', () => {
  const env = testAwsEnv();
  let moto: PrivateMoto;
  let bed: ExportTestBed;
  let exporter: INestApplicationContext;

  beforeAll(async () => {
    // Its own moto: motoAssumedRoles reads moto's whole state.
    moto = await usePrivateMoto();
    bed = await createExportTestBed('export-assume-role');
    exporter = await startExporter(bed.env({ FHIRLAKE_ASSUME_ROLE: 'true', EXPORTER_JOB_CLIENTS_IDLE_MS: '200' }));
  });
  afterAll(async () => {
    await exporter?.close();
    await bed?.close();
    await moto?.restore();
  });

  it("writes every part as the job's data access role, then drops the job's clients", async () => {
    const ds = await createDatastore(bed.sql);
    const patients = Array.from({ length: 30 }, (_, i) => ({ resourceType: 'Patient', id: `p${i}`, active: true }));
    const observations = Array.from({ length: 30 }, (_, i) => ({ resourceType: 'Observation', id: `o${i}`, status: 'final', code: { text: 'x' }, subject: { reference: `Patient/p${i}` } }));
    await loadResources(bed.sql, ds, [...patients, ...observations]);

    const { result: job, requests } = await recordMotoRequests(async () => waitForJob(bed, (await submitExport(bed, ds)).id));
    expect([job.status, job.message]).toEqual(['COMPLETED', 'Exported 60 resources in 2 files']);
    const folder = exportFolder(ds, job.id);
    expect((await readExport(bed.s3, bed.bucket, folder)).map((o) => [o.key.slice(folder.length), o.lines.length])).toEqual([
      ['Observation/Observation-1.ndjson', 30],
      ['Patient/Patient-1.ndjson', 30],
    ]);

    const sessions = (await motoAssumedRoles()).filter((s) => s.sessionName === `fhirlake-${job.id}`);
    expect(sessions.length).toBeGreaterThanOrEqual(2); // the preflight's and the data clients'
    for (const s of sessions) expect(s).toMatchObject({ roleArn: bed.roleArn, externalId: healthLakeDatastoreArn(env.AWS_REGION, env.FHIRLAKE_ACCOUNT_ID, ds) });
    const roleKeys = new Set(sessions.map((s) => s.accessKeyId));

    // fhirlake's own identity only reads the role (IAM) and assumes it (STS); S3 and KMS calls are the role's.
    const byService = (service: string) => requests.filter((r) => r.service === service);
    for (const service of ['iam', 'sts']) expect(new Set(byService(service).map((r) => r.accessKeyId))).toEqual(new Set([process.env.AWS_ACCESS_KEY_ID]));
    const s3 = byService('s3');
    expect(s3.filter((r) => r.method === 'PUT' && r.url.includes(`/${bed.bucket}/${folder}`)).length).toBeGreaterThanOrEqual(2);
    expect(byService('kms')).not.toEqual([]);
    for (const r of [...s3, ...byService('kms')]) expect([r.method, r.url, roleKeys.has(r.accessKeyId!)]).toEqual([r.method, r.url, true]);

    await waitFor(async () => exporter.get(JobAwsClients).openJobs === 0, { timeoutMs: 5000, description: "the job's clients to be dropped" });
  });
});
