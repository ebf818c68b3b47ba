export * from './database';
export * from './prisma-client';
export * from './write-fence';
export * from './fhir-resource.types';
export * from './fhir-resource.repository';
export * from './datastore.repository';
export * from './datastore-purge';
export * from './server-secret.repository';
