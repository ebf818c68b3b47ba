import type { DatastoreWithTags } from '@fhirlake/persistence/prisma';
import { type ArnContext, datastoreArn } from '../healthlake-arn';

/** HealthLake's DatastoreProperties, with CreatedAt as a Date (each protocol renders it its own way). */
export interface DatastoreProperties {
  DatastoreId: string;
  DatastoreArn: string;
  DatastoreName?: string;
  DatastoreStatus: string;
  CreatedAt: Date;
  DatastoreTypeVersion: string;
  DatastoreEndpoint: string;
  SseConfiguration: unknown;
  IdentityProviderConfiguration: unknown;
}

const DEFAULT_SSE = { KmsEncryptionConfig: { CmkType: 'AWS_OWNED_KMS_KEY' } };
const DEFAULT_IDENTITY_PROVIDER = { AuthorizationStrategy: 'AWS_AUTH', FineGrainedAuthorizationEnabled: false };

/** The FHIR base URL of a datastore, e.g. http://host:8080/datastore/<id>/r4/. */
export function datastoreEndpoint(baseUrl: string, datastoreId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/datastore/${datastoreId}/r4/`;
}

export function presentDatastore(row: DatastoreWithTags, ctx: ArnContext, baseUrl: string): DatastoreProperties {
  return {
    DatastoreId: row.id,
    DatastoreArn: datastoreArn(ctx, row.id),
    ...(row.name !== null ? { DatastoreName: row.name } : {}),
    DatastoreStatus: row.status,
    CreatedAt: row.createdAt,
    DatastoreTypeVersion: row.typeVersion,
    DatastoreEndpoint: datastoreEndpoint(baseUrl, row.id),
    SseConfiguration: row.sseConfiguration ?? DEFAULT_SSE,
    IdentityProviderConfiguration: row.identityProvider ?? DEFAULT_IDENTITY_PROVIDER,
  };
}
