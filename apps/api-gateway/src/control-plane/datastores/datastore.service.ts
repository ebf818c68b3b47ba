import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { purgeDatastoreData } from '@fhirlake/persistence';
import { DatastoreRepository, type DatastoreWithTags } from '@fhirlake/persistence/prisma';
import type { Pool } from 'pg';
import { conflictError, notFoundError, validationError } from '../aws-service-error';
import { type ArnContext, datastoreIdFromArn } from '../healthlake-arn';
import { PaginationTokens } from '../pagination-token';
import { ARN_CONTEXT, PG_POOL } from '../../infrastructure/tokens';
import type { CreateDatastoreCommand, ListDatastoresCommand, Tag } from './datastore.commands';
import { MAX_TAGS_PER_RESOURCE } from './datastore.commands';
import { type DatastoreProperties, presentDatastore } from './datastore.presenter';

const DEFAULT_PAGE_SIZE = 100;

/** Datastore use-cases behind both the AWS JSON and the REST control plane. */
@Injectable()
export class DatastoreService implements OnApplicationBootstrap {
  private readonly logger = new Logger(DatastoreService.name);
  private readonly purges = new Set<Promise<void>>();

  constructor(
    private readonly datastores: DatastoreRepository,
    private readonly pageTokens: PaginationTokens,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(ARN_CONTEXT) private readonly arnContext: ArnContext,
  ) {}

  /** Finishes deletions that a previous process started but did not complete. */
  async onApplicationBootstrap(): Promise<void> {
    for (const datastore of await this.datastores.listByStatus('DELETING')) this.startPurge(datastore.id);
  }

  async create(command: CreateDatastoreCommand, baseUrl: string): Promise<DatastoreProperties> {
    if (command.PreloadDataConfig) {
      throw validationError('PreloadDataConfig is not supported: fhirlake does not ship sample data; import it with StartFHIRImportJob');
    }
    const { ClientToken, ...request } = command;
    const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    const { datastore, created } = await this.datastores.create({
      id: randomUUID().replace(/-/g, ''),
      name: command.DatastoreName,
      clientToken: ClientToken,
      requestHash,
      sseConfiguration: command.SseConfiguration,
      identityProvider: command.IdentityProviderConfiguration,
      tags: (command.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })),
    });
    if (!created && datastore.requestHash !== requestHash) {
      throw conflictError(`ClientToken ${ClientToken} was already used with different parameters`);
    }
    return this.present(datastore, baseUrl);
  }

  async describe(datastoreId: string, baseUrl: string): Promise<DatastoreProperties> {
    return this.present(await this.require(datastoreId), baseUrl);
  }

  async list(command: ListDatastoresCommand, baseUrl: string): Promise<{ items: DatastoreProperties[]; nextToken?: string }> {
    const filter = command.Filter ?? {};
    const { rows, nextToken } = await this.pageTokens.keysetPage(
      JSON.stringify(filter),
      command.NextToken,
      command.MaxResults ?? DEFAULT_PAGE_SIZE,
      (after, take) =>
        this.datastores.list(
          {
            name: filter.DatastoreName,
            status: filter.DatastoreStatus,
            createdBefore: filter.CreatedBefore,
            createdAfter: filter.CreatedAfter,
            after: after && { createdAt: after.at, id: after.id },
          },
          take,
        ),
      (row) => ({ at: row.createdAt, id: row.id }),
    );
    return { items: rows.map((row) => this.present(row, baseUrl)), ...(nextToken ? { nextToken } : {}) };
  }

  async delete(datastoreId: string, baseUrl: string): Promise<DatastoreProperties> {
    const current = await this.require(datastoreId);
    const { rowCount } = await this.pool.query(
      `SELECT 1 FROM fhir_job WHERE datastore_id = $1 AND status IN ('SUBMITTED', 'QUEUED', 'IN_PROGRESS', 'CANCEL_SUBMITTED', 'CANCEL_IN_PROGRESS') LIMIT 1`,
      [datastoreId],
    );
    if (rowCount) throw conflictError(`Datastore ${datastoreId} has import or export jobs that have not finished; wait for them or cancel them first`);
    const deleting = await this.datastores.transition(datastoreId, ['ACTIVE', 'CREATING'], 'DELETING');
    if (!deleting) throw conflictError(`Datastore ${datastoreId} is ${current.status} and cannot be deleted`);
    this.startPurge(datastoreId);
    return this.present(deleting, baseUrl);
  }

  async tag(resourceArn: string, tags: Tag[]): Promise<void> {
    const datastore = await this.requireByArn(resourceArn);
    const existing = new Set(datastore.tags.map((t) => t.key));
    const added = new Set(tags.map((t) => t.Key).filter((key) => !existing.has(key)));
    if (existing.size + added.size > MAX_TAGS_PER_RESOURCE) {
      throw validationError(`A datastore can have at most ${MAX_TAGS_PER_RESOURCE} tags`);
    }
    await this.datastores.upsertTags(datastore.id, tags.map((t) => ({ key: t.Key, value: t.Value })));
  }

  async untag(resourceArn: string, keys: string[]): Promise<void> {
    const datastore = await this.requireByArn(resourceArn);
    await this.datastores.removeTags(datastore.id, keys);
  }

  async listTags(resourceArn: string): Promise<Tag[]> {
    const datastore = await this.requireByArn(resourceArn);
    return datastore.tags.map((t) => ({ Key: t.key, Value: t.value }));
  }

  /** Waits for background purges (used on shutdown and by tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.purges]);
  }

  private present(row: DatastoreWithTags, baseUrl: string): DatastoreProperties {
    return presentDatastore(row, this.arnContext, baseUrl);
  }

  private async require(datastoreId: string): Promise<DatastoreWithTags> {
    const datastore = /^[0-9a-f]{32}$/.test(datastoreId) ? await this.datastores.findById(datastoreId) : null;
    if (!datastore) throw notFoundError(`Datastore ${datastoreId} does not exist`);
    return datastore;
  }

  private async requireByArn(resourceArn: string): Promise<DatastoreWithTags> {
    const datastoreId = datastoreIdFromArn(this.arnContext, resourceArn);
    if (!datastoreId) throw notFoundError(`Resource ${resourceArn} does not exist`);
    const datastore = await this.require(datastoreId);
    if (datastore.status === 'DELETED') throw notFoundError(`Resource ${resourceArn} does not exist`);
    return datastore;
  }

  private startPurge(datastoreId: string): void {
    const purge = (async () => {
      try {
        const removed = await purgeDatastoreData(this.pool, datastoreId);
        await this.datastores.transition(datastoreId, ['DELETING'], 'DELETED');
        this.logger.log(`Datastore ${datastoreId} deleted (${removed} rows purged)`);
      } catch (error) {
        this.logger.error(`Purging datastore ${datastoreId} failed; it stays DELETING and is retried at next start`, error instanceof Error ? error.stack : undefined);
      }
    })();
    this.purges.add(purge);
    void purge.finally(() => this.purges.delete(purge));
  }
}
