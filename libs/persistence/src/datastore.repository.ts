import type { Datastore, DatastoreTag, PrismaClient } from './prisma-client';
import { Prisma } from './prisma-client';

export type DatastoreStatus = Datastore['status'];
export type DatastoreWithTags = Datastore & { tags: DatastoreTag[] };

export interface NewDatastore {
  id: string;
  name?: string;
  clientToken?: string;
  requestHash: string;
  sseConfiguration?: Prisma.InputJsonValue;
  identityProvider?: Prisma.InputJsonValue;
  tags: Array<{ key: string; value: string }>;
}

export interface DatastoreListFilter {
  name?: string;
  status?: DatastoreStatus;
  createdBefore?: Date;
  createdAfter?: Date;
  /** Resume strictly after this (createdAt, id) position in newest-first order. */
  after?: { createdAt: Date; id: string };
}

/** Datastore rows and their tags. */
export class DatastoreRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Inserts a datastore; with a client token already used, returns the existing row instead
   * (`created: false`) so the caller can compare request hashes.
   */
  async create(input: NewDatastore): Promise<{ datastore: DatastoreWithTags; created: boolean }> {
    try {
      const datastore = await this.prisma.datastore.create({
        data: {
          id: input.id,
          name: input.name ?? null,
          status: 'ACTIVE',
          clientToken: input.clientToken ?? null,
          requestHash: input.requestHash,
          sseConfiguration: input.sseConfiguration ?? Prisma.DbNull,
          identityProvider: input.identityProvider ?? Prisma.DbNull,
          tags: { create: input.tags },
        },
        include: { tags: true },
      });
      return { datastore, created: true };
    } catch (error) {
      if (input.clientToken && error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        const existing = await this.prisma.datastore.findUnique({ where: { clientToken: input.clientToken }, include: { tags: true } });
        if (existing) return { datastore: existing, created: false };
      }
      throw error;
    }
  }

  findById(id: string): Promise<DatastoreWithTags | null> {
    return this.prisma.datastore.findUnique({ where: { id }, include: { tags: true } });
  }

  /** Newest first; returns up to `limit` rows. */
  list(filter: DatastoreListFilter, limit: number): Promise<DatastoreWithTags[]> {
    const and: Prisma.DatastoreWhereInput[] = [];
    if (filter.name !== undefined) and.push({ name: filter.name });
    if (filter.status !== undefined) and.push({ status: filter.status });
    if (filter.createdBefore) and.push({ createdAt: { lt: filter.createdBefore } });
    if (filter.createdAfter) and.push({ createdAt: { gt: filter.createdAfter } });
    if (filter.after) {
      const { createdAt, id } = filter.after;
      and.push({ OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] });
    }
    return this.prisma.datastore.findMany({
      where: { AND: and },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit,
      include: { tags: true },
    });
  }

  /** Moves a datastore from one of `from` to `to`; returns null if it was in another state. */
  async transition(id: string, from: DatastoreStatus[], to: DatastoreStatus): Promise<DatastoreWithTags | null> {
    const { count } = await this.prisma.datastore.updateMany({ where: { id, status: { in: from } }, data: { status: to, updatedAt: new Date() } });
    return count === 1 ? this.findById(id) : null;
  }

  listByStatus(status: DatastoreStatus): Promise<Datastore[]> {
    return this.prisma.datastore.findMany({ where: { status } });
  }

  async upsertTags(id: string, tags: Array<{ key: string; value: string }>): Promise<void> {
    await this.prisma.$transaction(
      tags.map((tag) =>
        this.prisma.datastoreTag.upsert({
          where: { datastoreId_key: { datastoreId: id, key: tag.key } },
          create: { datastoreId: id, key: tag.key, value: tag.value },
          update: { value: tag.value },
        }),
      ),
    );
  }

  async removeTags(id: string, keys: string[]): Promise<void> {
    await this.prisma.datastoreTag.deleteMany({ where: { datastoreId: id, key: { in: keys } } });
  }

  async countTags(id: string): Promise<number> {
    return this.prisma.datastoreTag.count({ where: { datastoreId: id } });
  }
}
