import {
  ConflictException,
  CreateFHIRDatastoreCommand,
  DeleteFHIRDatastoreCommand,
  DescribeFHIRDatastoreCommand,
  ListFHIRDatastoresCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  ValidationException,
  waitUntilFHIRDatastoreActive,
  waitUntilFHIRDatastoreDeleted,
} from '@aws-sdk/client-healthlake';
import request from 'supertest';
import { startTestGateway, type TestGateway } from './gateway-harness';

describe('HealthLake datastore API through @aws-sdk/client-healthlake', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  it('creates, describes, lists and deletes a datastore', async () => {
    const created = await gw.healthLake.send(
      new CreateFHIRDatastoreCommand({ DatastoreTypeVersion: 'R4', DatastoreName: 'lifecycle', Tags: [{ Key: 'team', Value: 'a' }] }),
    );
    expect(created.DatastoreId).toMatch(/^[0-9a-f]{32}$/);
    expect(created.DatastoreArn).toBe(`arn:aws:healthlake:us-east-1:000000000000:datastore/fhir/${created.DatastoreId}`);
    expect(created.DatastoreEndpoint).toBe(`${gw.baseUrl}/datastore/${created.DatastoreId}/r4/`);
    await waitUntilFHIRDatastoreActive({ client: gw.healthLake, maxWaitTime: 10, minDelay: 1 }, { DatastoreId: created.DatastoreId });

    const described = await gw.healthLake.send(new DescribeFHIRDatastoreCommand({ DatastoreId: created.DatastoreId }));
    expect(described.DatastoreProperties).toMatchObject({
      DatastoreId: created.DatastoreId,
      DatastoreName: 'lifecycle',
      DatastoreStatus: 'ACTIVE',
      DatastoreTypeVersion: 'R4',
      SseConfiguration: { KmsEncryptionConfig: { CmkType: 'AWS_OWNED_KMS_KEY' } },
    });
    expect(described.DatastoreProperties!.CreatedAt).toBeInstanceOf(Date);
    expect(Math.abs(described.DatastoreProperties!.CreatedAt!.getTime() - Date.now())).toBeLessThan(60_000);

    const listed = await gw.healthLake.send(new ListFHIRDatastoresCommand({ Filter: { DatastoreName: 'lifecycle' } }));
    expect(listed.DatastorePropertiesList!.map((d) => d.DatastoreId)).toEqual([created.DatastoreId]);

    const deleted = await gw.healthLake.send(new DeleteFHIRDatastoreCommand({ DatastoreId: created.DatastoreId }));
    expect(deleted.DatastoreStatus).toBe('DELETING');
    await waitUntilFHIRDatastoreDeleted({ client: gw.healthLake, maxWaitTime: 20, minDelay: 1 }, { DatastoreId: created.DatastoreId });
    await expect(gw.healthLake.send(new DeleteFHIRDatastoreCommand({ DatastoreId: created.DatastoreId }))).rejects.toBeInstanceOf(ConflictException);
  });

  it('deleting a datastore purges its resources', async () => {
    const { DatastoreId } = await gw.healthLake.send(new CreateFHIRDatastoreCommand({ DatastoreTypeVersion: 'R4' }));
    await request(gw.baseUrl).put(`/datastore/${DatastoreId}/r4/Patient/p1`).send({ resourceType: 'Patient', id: 'p1' }).expect(201);
    await gw.healthLake.send(new DeleteFHIRDatastoreCommand({ DatastoreId }));
    await waitUntilFHIRDatastoreDeleted({ client: gw.healthLake, maxWaitTime: 20, minDelay: 1 }, { DatastoreId });
    const { rows } = await gw.sql.query('SELECT count(*)::int AS n FROM fhir_resource_version WHERE datastore_id = $1', [DatastoreId]);
    expect(rows[0].n).toBe(0);
    await request(gw.baseUrl).get(`/datastore/${DatastoreId}/r4/Patient/p1`).expect(404);
  });

  it('ClientToken makes create idempotent and rejects reuse with other parameters', async () => {
    const input = { DatastoreTypeVersion: 'R4' as const, DatastoreName: 'idem', ClientToken: 'token-123' };
    const first = await gw.healthLake.send(new CreateFHIRDatastoreCommand(input));
    const again = await gw.healthLake.send(new CreateFHIRDatastoreCommand(input));
    expect(again.DatastoreId).toBe(first.DatastoreId);
    await expect(gw.healthLake.send(new CreateFHIRDatastoreCommand({ ...input, DatastoreName: 'other' }))).rejects.toBeInstanceOf(ConflictException);
    const { rows } = await gw.sql.query("SELECT count(*)::int AS n FROM datastore WHERE client_token = 'token-123'");
    expect(rows[0].n).toBe(1);
  });

  it('pages with MaxResults and a tamper-evident NextToken, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await gw.healthLake.send(new CreateFHIRDatastoreCommand({ DatastoreTypeVersion: 'R4', DatastoreName: 'paged' }))).DatastoreId!);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await gw.healthLake.send(new ListFHIRDatastoresCommand({ Filter: { DatastoreName: 'paged' }, MaxResults: 2, NextToken: token }));
      expect(page.DatastorePropertiesList!.length).toBeLessThanOrEqual(2);
      seen.push(...page.DatastorePropertiesList!.map((d) => d.DatastoreId!));
      token = page.NextToken;
      if (token) {
        const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
        await expect(gw.healthLake.send(new ListFHIRDatastoresCommand({ Filter: { DatastoreName: 'paged' }, NextToken: tampered }))).rejects.toBeInstanceOf(ValidationException);
        await expect(gw.healthLake.send(new ListFHIRDatastoresCommand({ Filter: { DatastoreName: 'other' }, NextToken: token }))).rejects.toBeInstanceOf(ValidationException);
      }
    } while (token);
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by status and creation time', async () => {
    const before = new Date(Date.now() - 1000);
    const { DatastoreId } = await gw.healthLake.send(new CreateFHIRDatastoreCommand({ DatastoreTypeVersion: 'R4', DatastoreName: 'timed' }));
    const after = await gw.healthLake.send(new ListFHIRDatastoresCommand({ Filter: { DatastoreName: 'timed', CreatedAfter: before, DatastoreStatus: 'ACTIVE' } }));
    expect(after.DatastorePropertiesList!.map((d) => d.DatastoreId)).toEqual([DatastoreId]);
    const beforeOnly = await gw.healthLake.send(new ListFHIRDatastoresCommand({ Filter: { DatastoreName: 'timed', CreatedBefore: before } }));
    expect(beforeOnly.DatastorePropertiesList).toEqual([]);
    const deleted = await gw.healthLake.send(new ListFHIRDatastoresCommand({ Filter: { DatastoreName: 'timed', DatastoreStatus: 'DELETED' } }));
    expect(deleted.DatastorePropertiesList).toEqual([]);
  });

  it('tags, untags and lists tags by ResourceARN', async () => {
    const { DatastoreArn } = await gw.healthLake.send(new CreateFHIRDatastoreCommand({ DatastoreTypeVersion: 'R4', Tags: [{ Key: 'env', Value: 'dev' }] }));
    await gw.healthLake.send(new TagResourceCommand({ ResourceARN: DatastoreArn, Tags: [{ Key: 'owner', Value: 'me' }, { Key: 'env', Value: 'prod' }] }));
    const tagged = await gw.healthLake.send(new ListTagsForResourceCommand({ ResourceARN: DatastoreArn }));
    expect(tagged.Tags).toEqual(expect.arrayContaining([{ Key: 'env', Value: 'prod' }, { Key: 'owner', Value: 'me' }]));
    expect(tagged.Tags).toHaveLength(2);
    await gw.healthLake.send(new UntagResourceCommand({ ResourceARN: DatastoreArn, TagKeys: ['env'] }));
    expect((await gw.healthLake.send(new ListTagsForResourceCommand({ ResourceARN: DatastoreArn }))).Tags).toEqual([{ Key: 'owner', Value: 'me' }]);
    await expect(
      gw.healthLake.send(new ListTagsForResourceCommand({ ResourceARN: 'arn:aws:healthlake:us-east-1:000000000000:datastore/fhir/00000000000000000000000000000000' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(gw.healthLake.send(new TagResourceCommand({ ResourceARN: DatastoreArn, Tags: [{ Key: 'aws:reserved', Value: 'x' }] }))).rejects.toBeInstanceOf(ValidationException);
  });

  it.each([
    ['an unsupported FHIR version', { DatastoreTypeVersion: 'R5' }, /DatastoreTypeVersion/],
    ['a name with forbidden characters', { DatastoreTypeVersion: 'R4', DatastoreName: 'bad<name>' }, /DatastoreName/],
    ['a malformed ClientToken', { DatastoreTypeVersion: 'R4', ClientToken: 'no spaces allowed' }, /ClientToken/],
    ['a customer-managed key without KmsKeyId', { DatastoreTypeVersion: 'R4', SseConfiguration: { KmsEncryptionConfig: { CmkType: 'CUSTOMER_MANAGED_KMS_KEY' } } }, /KmsKeyId/],
  ])('rejects %s with ValidationException naming the field', async (_label, input, message) => {
    const before = await gw.sql.query('SELECT count(*)::int AS n FROM datastore');
    const error = await gw.healthLake.send(new CreateFHIRDatastoreCommand(input as never)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as Error).message).toMatch(message);
    const after = await gw.sql.query('SELECT count(*)::int AS n FROM datastore');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('answers unknown datastores with ResourceNotFoundException', async () => {
    for (const DatastoreId of ['0123456789abcdef0123456789abcdef', "x' OR '1'='1"]) {
      await expect(gw.healthLake.send(new DescribeFHIRDatastoreCommand({ DatastoreId }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    }
  });

  it('speaks AWS JSON 1.0 errors on the wire', async () => {
    const unknown = await request(gw.baseUrl).post('/').set('X-Amz-Target', 'HealthLake.Nope').set('Content-Type', 'application/x-amz-json-1.0').send('{}');
    expect(unknown.status).toBe(400);
    expect(unknown.headers['content-type']).toContain('application/x-amz-json-1.0');
    expect(JSON.parse(unknown.text)).toMatchObject({ __type: 'UnknownOperationException' });
    const malformed = await request(gw.baseUrl).post('/').set('X-Amz-Target', 'HealthLake.ListFHIRDatastores').set('Content-Type', 'application/x-amz-json-1.0').send('{"oops"');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text)).toMatchObject({ __type: 'SerializationException', message: expect.any(String) });
    const described = await request(gw.baseUrl)
      .post('/')
      .set('X-Amz-Target', 'HealthLake.DescribeFHIRDatastore')
      .set('Content-Type', 'application/x-amz-json-1.0')
      .send(JSON.stringify({ DatastoreId: 'ffffffffffffffffffffffffffffffff' }));
    expect(described.status).toBe(404);
    expect(JSON.parse(described.text)).toEqual({ __type: 'ResourceNotFoundException', message: expect.stringContaining('does not exist'), Message: expect.any(String) });
  });
});
