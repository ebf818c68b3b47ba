// The Prisma-backed part of the library (`@fhirlake/persistence/prisma`), for the API gateway. Kept
// out of the main entry so the workers, which use node-postgres only, never load the Prisma client
// (~20 MB of RSS each).
export * from './prisma-client';
export * from './datastore.repository';
export * from './server-secret.repository';
