import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';

export { Prisma, PrismaClient } from './generated/prisma/client';
export type { Datastore, DatastoreTag } from './generated/prisma/client';

/** A Prisma client over node-postgres (Prisma 7 runs without a native query engine). */
export function createPrismaClient(databaseUrl: string, max = 5): PrismaClient {
  // A dropped idle connection is replaced by the pool; it must not crash the process.
  const ignore = () => undefined;
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max }, { onPoolError: ignore, onConnectionError: ignore }) });
}
