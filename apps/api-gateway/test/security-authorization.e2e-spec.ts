import { CreateFHIRDatastoreCommand, DescribeFHIRDatastoreCommand, StartFHIRImportJobCommand } from '@aws-sdk/client-healthlake';
import { PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { createJobDestinations, type JobDestinations } from '@fhirlake/testing';
import { PrincipalRegistry } from '../src/auth/principal-registry';
import { ROUTE_AUTHORIZATION } from '../src/auth/route-authorization';
import {
  ALLOW_ALL,
  failure,
  awsJson,
  datastoreArnOf,
  principal,
  sdkClient,
  signedSend,
  startSecureGateway,
  writePrincipalsFile,
  type RawResponse,
  type TestKey,
} from './security-fixtures';

const FHIR = 'application/fhir+json';
const JOB = 'f'.repeat(32);

describe('authorization: HealthLake actions, tenant isolation, iam:PassRole, condition keys', () => {
  const admin = principal('admin', [ALLOW_ALL]);
  let gw: Awaited<ReturnType<typeof startSecureGateway>>;
  let dsA: string;
  let dsB: string;
  let dest: JobDestinations;
  const passRole = (service = 'healthlake.amazonaws.com') => ({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': service } } });
  let tenantA: ReturnType<typeof principal>;

  const importBody = () => ({
    InputDataConfig: { S3Uri: `s3://${dest.inputBucket}/in/` },
    JobOutputDataConfig: { S3Configuration: { S3Uri: `s3://${dest.outputBucket}/out/`, KmsKeyId: dest.kmsKeyId } },
    DataAccessRoleArn: dest.roleArn,
  });
  const exportBody = () => ({ OutputDataConfig: { S3Configuration: { S3Uri: `s3://${dest.outputBucket}/export/`, KmsKeyId: dest.kmsKeyId } }, DataAccessRoleArn: dest.roleArn });

  /** Every control-plane operation, REST route and FHIR route that addresses one datastore. */
  const routes = (ds: string): Array<[string, string, (key: TestKey) => Promise<RawResponse>]> => {
    const rest = (method: string, path: string, body?: object, query?: Record<string, string>) => (key: TestKey) =>
      signedSend(gw, key, { method, path, ...(query ? { query } : {}), ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    const fhir = (method: string, path: string, options: { body?: object; type?: string; query?: Record<string, string>; prefer?: string } = {}) => (key: TestKey) =>
      signedSend(gw, key, {
        method,
        path: `/datastore/${ds}/r4/${path}`,
        ...(options.query ? { query: options.query } : {}),
        headers: { ...(options.body || options.type ? { 'content-type': options.type ?? FHIR } : {}), ...(options.prefer ? { prefer: options.prefer } : {}) },
        ...(options.body ? { body: JSON.stringify(options.body) } : {}),
      });
    const op = (name: string, input: object) => (key: TestKey) => awsJson(gw, key, name, input);
    const arn = datastoreArnOf(ds);
    return [
      ['healthlake:DescribeFHIRDatastore', 'AWS JSON DescribeFHIRDatastore', op('DescribeFHIRDatastore', { DatastoreId: ds })],
      ['healthlake:DeleteFHIRDatastore', 'AWS JSON DeleteFHIRDatastore', op('DeleteFHIRDatastore', { DatastoreId: ds })],
      ['healthlake:TagResource', 'AWS JSON TagResource', op('TagResource', { ResourceARN: arn, Tags: [{ Key: 'k', Value: 'v' }] })],
      ['healthlake:UntagResource', 'AWS JSON UntagResource', op('UntagResource', { ResourceARN: arn, TagKeys: ['k'] })],
      ['healthlake:ListTagsForResource', 'AWS JSON ListTagsForResource', op('ListTagsForResource', { ResourceARN: arn })],
      ['healthlake:StartFHIRImportJob', 'AWS JSON StartFHIRImportJob', op('StartFHIRImportJob', { DatastoreId: ds, ...importBody() })],
      ['healthlake:DescribeFHIRImportJob', 'AWS JSON DescribeFHIRImportJob', op('DescribeFHIRImportJob', { DatastoreId: ds, JobId: JOB })],
      ['healthlake:ListFHIRImportJobs', 'AWS JSON ListFHIRImportJobs', op('ListFHIRImportJobs', { DatastoreId: ds })],
      ['healthlake:StartFHIRExportJob', 'AWS JSON StartFHIRExportJob', op('StartFHIRExportJob', { DatastoreId: ds, ...exportBody() })],
      ['healthlake:DescribeFHIRExportJob', 'AWS JSON DescribeFHIRExportJob', op('DescribeFHIRExportJob', { DatastoreId: ds, JobId: JOB })],
      ['healthlake:ListFHIRExportJobs', 'AWS JSON ListFHIRExportJobs', op('ListFHIRExportJobs', { DatastoreId: ds })],
      ['healthlake:DescribeFHIRDatastore', 'GET /datastores/{id}', rest('GET', `/datastores/${ds}`)],
      ['healthlake:DeleteFHIRDatastore', 'DELETE /datastores/{id}', rest('DELETE', `/datastores/${ds}`)],
      ['healthlake:ListTagsForResource', 'GET /datastores/{id}/tags', rest('GET', `/datastores/${ds}/tags`)],
      ['healthlake:TagResource', 'POST /datastores/{id}/tags', rest('POST', `/datastores/${ds}/tags`, { Tags: [{ Key: 'k', Value: 'v' }] })],
      ['healthlake:UntagResource', 'DELETE /datastores/{id}/tags', rest('DELETE', `/datastores/${ds}/tags`, undefined, { tagKeys: 'k' })],
      ['healthlake:StartFHIRImportJob', 'POST import-jobs', rest('POST', `/datastores/${ds}/import-jobs`, importBody())],
      ['healthlake:ListFHIRImportJobs', 'GET import-jobs', rest('GET', `/datastores/${ds}/import-jobs`)],
      ['healthlake:DescribeFHIRImportJob', 'GET import-jobs/{job}', rest('GET', `/datastores/${ds}/import-jobs/${JOB}`)],
      ['healthlake:CancelFHIRImportJob', 'DELETE import-jobs/{job}', rest('DELETE', `/datastores/${ds}/import-jobs/${JOB}`)],
      ['healthlake:StartFHIRExportJob', 'POST export-jobs', rest('POST', `/datastores/${ds}/export-jobs`, exportBody())],
      ['healthlake:ListFHIRExportJobs', 'GET export-jobs', rest('GET', `/datastores/${ds}/export-jobs`)],
      ['healthlake:DescribeFHIRExportJob', 'GET export-jobs/{job}', rest('GET', `/datastores/${ds}/export-jobs/${JOB}`)],
      ['healthlake:CancelFHIRExportJob', 'DELETE export-jobs/{job}', rest('DELETE', `/datastores/${ds}/export-jobs/${JOB}`)],
      ['healthlake:GetCapabilities', 'GET metadata', fhir('GET', 'metadata')],
      ['healthlake:SearchWithGet', 'GET Patient', fhir('GET', 'Patient', { query: { _id: 'p1' } })],
      ['healthlake:SearchWithPost', 'POST Patient/_search', fhir('POST', 'Patient/_search', { body: {}, type: 'application/x-www-form-urlencoded' })],
      ['healthlake:CreateResource', 'POST Patient', fhir('POST', 'Patient', { body: { resourceType: 'Patient' } })],
      ['healthlake:ReadResource', 'GET Patient/p1', fhir('GET', 'Patient/p1')],
      ['healthlake:UpdateResource', 'PUT Patient/p1', fhir('PUT', 'Patient/p1', { body: { resourceType: 'Patient', id: 'p1' } })],
      ['healthlake:DeleteResource', 'DELETE Patient/p1', fhir('DELETE', 'Patient/p1')],
      ['healthlake:ReadResource', 'GET Patient/p1/_history', fhir('GET', 'Patient/p1/_history')],
      ['healthlake:ReadResource', 'GET Patient/p1/_history/1', fhir('GET', 'Patient/p1/_history/1')],
      ['healthlake:ReadResource', 'PATCH Patient/p1 (unsupported)', fhir('PATCH', 'Patient/p1', { body: {} })],
      ['healthlake:StartFHIRExportJobWithPost', 'POST $export', fhir('POST', '$export', { body: exportBody(), prefer: 'respond-async' })],
      ['healthlake:StartFHIRExportJobWithPost', 'POST Patient/$export', fhir('POST', 'Patient/$export', { body: exportBody(), prefer: 'respond-async' })],
      ['healthlake:StartFHIRExportJobWithPost', 'POST Group/g1/$export', fhir('POST', 'Group/g1/$export', { body: exportBody(), prefer: 'respond-async' })],
      ['healthlake:DescribeFHIRExportJobWithGet', 'GET export/{job}', fhir('GET', `export/${JOB}`)],
      ['healthlake:CancelFHIRExportJobWithDelete', 'DELETE export/{job}', fhir('DELETE', `export/${JOB}`)],
    ];
  };

  beforeAll(async () => {
    gw = await startSecureGateway([admin]);
    const client = sdkClient(gw, admin.key);
    dsA = (await client.send(new CreateFHIRDatastoreCommand({ DatastoreTypeVersion: 'R4', DatastoreName: 'tenant-a' }))).DatastoreId!;
    dsB = (await client.send(new CreateFHIRDatastoreCommand({ DatastoreTypeVersion: 'R4', DatastoreName: 'tenant-b', Tags: [{ Key: 'team', Value: 'blue' }] }))).DatastoreId!;
    dest = await createJobDestinations();
    tenantA = principal('tenant-a', [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'healthlake:*', Resource: datastoreArnOf(dsA) }, passRole()] }]);
    writePrincipalsFile([admin, tenantA, ...extraPrincipals], gw.principalsFile);
    expect(gw.app.get(PrincipalRegistry).reload()).toBe(true);
  });
  afterAll(() => gw.close());

  const noPassRole = principal('no-pass-role', [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'healthlake:*', Resource: '*' }] }]);
  const passToOther = principal('pass-to-other', [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'healthlake:*', Resource: '*' }, passRole('glue.amazonaws.com')] }]);
  const noDelete = principal('no-delete', [ALLOW_ALL, { Version: '2012-10-17', Statement: [{ Sid: 'NoDelete', Effect: 'Deny', Action: 'healthlake:DeleteFHIRDatastore', Resource: '*' }] }]);
  const conditional = principal('conditional', [
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'healthlake:CreateFHIRDatastore', Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/team': 'blue' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } } },
        { Effect: 'Allow', Action: 'healthlake:DescribeFHIRDatastore', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'blue' } } },
        { Effect: 'Allow', Action: 'healthlake:ListFHIRDatastores', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
        { Effect: 'Allow', Action: 'healthlake:ListFHIRImportJobs', Resource: '*', Condition: { StringEquals: { 'aws:username': 'conditional', 'aws:RequestedRegion': 'us-east-1' }, Bool: { 'aws:SecureTransport': 'false' } } },
      ],
    },
  ]);
  const extraPrincipals = [noPassRole, passToOther, noDelete, conditional];

  it('denies a principal scoped to datastore A on every route of datastore B, naming the action and the resource', async () => {
    const results: string[] = [];
    for (const [action, name, call] of routes(dsB)) {
      const res = await call(tenantA.key);
      const message: string = res.json?.message ?? res.json?.issue?.[0]?.diagnostics ?? res.text;
      const ok = res.status === 403 && message.includes(action) && message.includes(datastoreArnOf(dsB)) && message.includes(tenantA.arn);
      if (!ok) results.push(`${name}: ${res.status} ${message}`);
    }
    expect(results).toEqual([]);
  });

  it('lets the same principal use every route of datastore A (nothing answers 403)', async () => {
    const results: string[] = [];
    for (const [, name, call] of routes(dsA).filter(([action]) => action !== 'healthlake:DeleteFHIRDatastore')) {
      const res = await call(tenantA.key);
      if (res.status === 403) results.push(`${name}: ${res.text}`);
    }
    expect(results).toEqual([]);
    const { rows } = await gw.sql.query<{ principal: string }>('SELECT DISTINCT principal FROM fhir_job WHERE datastore_id = $1', [dsA]);
    expect(rows.map((r) => r.principal)).toEqual([tenantA.arn]);
  });

  it('denies Create/List (resource "*") to a principal allowed only on a datastore ARN', async () => {
    for (const operation of ['CreateFHIRDatastore', 'ListFHIRDatastores']) {
      const res = await awsJson(gw, tenantA.key, operation, { DatastoreTypeVersion: 'R4' });
      expect(res.status).toBe(403);
      expect(res.json).toEqual(expect.objectContaining({ __type: 'AccessDeniedException', message: `User: ${tenantA.arn} is not authorized to perform: healthlake:${operation} on resource: * because no identity-based policy allows the healthlake:${operation} action` }));
    }
  });

  it('requires iam:PassRole on the data access role, passed to the HealthLake service, for every job start', async () => {
    const input = { DatastoreId: dsA, ...importBody() };
    for (const who of [noPassRole, passToOther]) {
      const error = await failure(sdkClient(gw, who.key).send(new StartFHIRImportJobCommand(input)));
      expect(error.name).toBe('AccessDeniedException');
      expect(error.message).toBe(`User: ${who.arn} is not authorized to perform: iam:PassRole on resource: ${dest.roleArn} because no identity-based policy allows the iam:PassRole action`);
    }
    const rest = await signedSend(gw, noPassRole.key, { method: 'POST', path: `/datastores/${dsA}/export-jobs`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(exportBody()) });
    expect(rest.status).toBe(403);
    expect(rest.json.message).toContain('iam:PassRole');
    const fhir = await signedSend(gw, noPassRole.key, { method: 'POST', path: `/datastore/${dsA}/r4/$export`, headers: { 'content-type': FHIR, prefer: 'respond-async' }, body: JSON.stringify(exportBody()) });
    expect(fhir.status).toBe(403);
    expect(fhir.json.issue[0]).toMatchObject({ code: 'forbidden', diagnostics: expect.stringContaining(`iam:PassRole on resource: ${dest.roleArn}`) });
    expect((await gw.sql.query('SELECT count(*)::int AS n FROM fhir_job WHERE principal = ANY($1)', [[noPassRole.arn, passToOther.arn]])).rows[0].n).toBe(0);
  });

  it('an explicit deny wins over an allow and says so', async () => {
    const error = await sdkClient(gw, noDelete.key).send(new DescribeFHIRDatastoreCommand({ DatastoreId: dsB })).then(() => undefined);
    expect(error).toBeUndefined();
    const res = await awsJson(gw, noDelete.key, 'DeleteFHIRDatastore', { DatastoreId: dsB });
    expect(res.json.message).toBe(`User: ${noDelete.arn} is not authorized to perform: healthlake:DeleteFHIRDatastore on resource: ${datastoreArnOf(dsB)} with an explicit deny in an identity-based policy`);
  });

  it('supplies aws:RequestTag, aws:TagKeys, aws:ResourceTag, aws:SourceIp, aws:username and friends to conditions', async () => {
    expect((await awsJson(gw, conditional.key, 'CreateFHIRDatastore', { DatastoreTypeVersion: 'R4', Tags: [{ Key: 'team', Value: 'blue' }] })).status).toBe(200);
    expect((await awsJson(gw, conditional.key, 'CreateFHIRDatastore', { DatastoreTypeVersion: 'R4', Tags: [{ Key: 'team', Value: 'red' }] })).status).toBe(403);
    expect((await awsJson(gw, conditional.key, 'CreateFHIRDatastore', { DatastoreTypeVersion: 'R4', Tags: [{ Key: 'team', Value: 'blue' }, { Key: 'cost', Value: 'x' }] })).status).toBe(403);
    expect((await awsJson(gw, conditional.key, 'DescribeFHIRDatastore', { DatastoreId: dsB })).status).toBe(200);
    expect((await awsJson(gw, conditional.key, 'DescribeFHIRDatastore', { DatastoreId: dsA })).status).toBe(403);
    expect((await awsJson(gw, conditional.key, 'ListFHIRDatastores', {})).status).toBe(403); // from 127.0.0.1, not 10/8
    expect((await awsJson(gw, conditional.key, 'ListFHIRImportJobs', { DatastoreId: dsA })).status).toBe(200);
  });

  it('declares authorization on every route of every controller (the guard denies routes that do not)', () => {
    const undeclared: string[] = [];
    for (const module of gw.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const type = wrapper.metatype as { prototype: Record<string, unknown>; name: string } | undefined;
        if (!type?.prototype) continue;
        for (const name of Object.getOwnPropertyNames(type.prototype)) {
          const method = type.prototype[name];
          if (typeof method !== 'function' || name === 'constructor' || Reflect.getMetadata(PATH_METADATA, method) === undefined) continue;
          if (Reflect.getMetadata(ROUTE_AUTHORIZATION, method) === undefined && Reflect.getMetadata(ROUTE_AUTHORIZATION, type) === undefined) undeclared.push(`${type.name}.${name}`);
        }
      }
    }
    expect(undeclared).toEqual([]);
  });
});
