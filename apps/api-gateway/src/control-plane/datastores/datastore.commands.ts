import { z } from 'zod';
import { clientToken, maxResults, nameString, nextToken, timestampInput } from '../aws-json-values';

// Unknown members are dropped, not rejected: newer SDKs may send members this server predates.
export const DATASTORE_STATUSES = ['CREATING', 'ACTIVE', 'DELETING', 'DELETED'] as const;
export const MAX_TAGS_PER_RESOURCE = 50;

const tagKey = nameString(128).refine((key) => !key.toLowerCase().startsWith('aws:'), 'the aws: prefix is reserved');
const tag = z.object({ Key: tagKey, Value: nameString(256, 0) });
const tags = z.array(tag).max(MAX_TAGS_PER_RESOURCE);
const datastoreId = z.string().min(1).max(32);
const resourceArn = z.string().min(1).max(1011);

const kmsEncryptionConfig = z
  .strictObject({
    CmkType: z.enum(['CUSTOMER_MANAGED_KMS_KEY', 'AWS_OWNED_KMS_KEY']),
    KmsKeyId: z.string().min(1).max(400).optional(),
  })
  .refine((c) => c.CmkType !== 'CUSTOMER_MANAGED_KMS_KEY' || !!c.KmsKeyId, {
    message: 'KmsKeyId is required when CmkType is CUSTOMER_MANAGED_KMS_KEY',
    path: ['KmsKeyId'],
  });

export const createDatastoreCommand = z.object({
  DatastoreName: nameString(256).optional(),
  DatastoreTypeVersion: z.literal('R4', { error: 'must be R4 (the only FHIR version fhirlake serves)' }),
  SseConfiguration: z.object({ KmsEncryptionConfig: kmsEncryptionConfig }).optional(),
  PreloadDataConfig: z.object({ PreloadDataType: z.literal('SYNTHEA') }).optional(),
  ClientToken: clientToken.optional(),
  Tags: tags.optional(),
  IdentityProviderConfiguration: z
    .strictObject({
      AuthorizationStrategy: z.enum(['SMART_ON_FHIR_V1', 'SMART_ON_FHIR', 'AWS_AUTH']),
      FineGrainedAuthorizationEnabled: z.boolean().optional(),
      Metadata: z.string().optional(),
      IdpLambdaArn: z.string().min(49).max(256).optional(),
    })
    .optional(),
});

export const describeDatastoreCommand = z.object({ DatastoreId: datastoreId });
export const deleteDatastoreCommand = describeDatastoreCommand;

export const listDatastoresCommand = z.object({
  Filter: z
    .strictObject({
      DatastoreName: nameString(256).optional(),
      DatastoreStatus: z.enum(DATASTORE_STATUSES).optional(),
      CreatedBefore: timestampInput.optional(),
      CreatedAfter: timestampInput.optional(),
    })
    .optional(),
  NextToken: nextToken.optional(),
  MaxResults: maxResults.optional(),
});

export const tagResourceCommand = z.object({ ResourceARN: resourceArn, Tags: tags });
export const untagResourceCommand = z.object({ ResourceARN: resourceArn, TagKeys: z.array(tagKey).max(MAX_TAGS_PER_RESOURCE) });
export const listTagsCommand = z.object({ ResourceARN: resourceArn });

export type CreateDatastoreCommand = z.infer<typeof createDatastoreCommand>;
export type ListDatastoresCommand = z.infer<typeof listDatastoresCommand>;
export type Tag = z.infer<typeof tag>;
