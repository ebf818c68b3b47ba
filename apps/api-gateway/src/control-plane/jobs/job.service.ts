import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { isTerminal, type JobKind } from '@fhirlake/jobs';
import { JobRepository, type JobRecord } from '@fhirlake/persistence';
import { DatastoreRepository } from '@fhirlake/persistence/prisma';
import { AwsServiceError, conflictError, notFoundError } from '../aws-service-error';
import { PaginationTokens } from '../pagination-token';
import type { ListJobsCommand } from './job.commands';
import { JOB_PREFLIGHT, type JobPreflight } from './job-preflight';

const DEFAULT_PAGE_SIZE = 100;

/** A validated request to start a job, whichever API it came through. */
export interface StartJobRequest {
  kind: JobKind;
  datastoreId: string;
  name?: string;
  clientToken?: string;
  dataAccessRoleArn: string;
  inputS3Uri?: string;
  outputS3Uri: string;
  kmsKeyId: string;
  validationLevel?: string;
  exportRequest?: Record<string, unknown>;
  principal?: string;
}

/** Import/export job use-cases behind the AWS JSON API, the REST routes and FHIR $export. */
@Injectable()
export class JobService {
  constructor(
    private readonly jobs: JobRepository,
    private readonly datastores: DatastoreRepository,
    private readonly pageTokens: PaginationTokens,
    @Inject(JOB_PREFLIGHT) private readonly preflight: JobPreflight,
  ) {}

  /**
   * Accepts a job after its checks pass; with a ClientToken already used for the same request,
   * returns the existing job (no second job).
   */
  async start(request: StartJobRequest): Promise<JobRecord> {
    await this.requireActiveDatastore(request.datastoreId);
    const { clientToken, principal, ...identity } = request;
    const requestHash = createHash('sha256').update(JSON.stringify(identity)).digest('hex');
    if (clientToken) {
      const existing = await this.findByToken(request, clientToken);
      if (existing) return this.sameRequestOrConflict(existing, requestHash, clientToken);
    }
    await this.preflight.check(request);
    const { job, created } = await this.jobs.create({
      id: randomUUID().replace(/-/g, ''),
      datastoreId: request.datastoreId,
      kind: request.kind,
      name: request.name ?? null,
      clientToken: clientToken ?? null,
      requestHash,
      dataAccessRoleArn: request.dataAccessRoleArn,
      outputS3Uri: request.outputS3Uri,
      kmsKeyId: request.kmsKeyId,
      inputS3Uri: request.inputS3Uri ?? null,
      validationLevel: request.validationLevel ?? null,
      exportRequest: request.exportRequest ?? null,
      principal: principal ?? null,
    });
    return created ? job : this.sameRequestOrConflict(job, requestHash, clientToken ?? '');
  }

  async describe(kind: JobKind, datastoreId: string, jobId: string): Promise<JobRecord> {
    await this.requireDatastore(datastoreId);
    const job = /^[0-9a-f]{32}$/.test(jobId) ? await this.jobs.find(jobId) : undefined;
    if (!job || job.datastoreId !== datastoreId || job.kind !== kind) {
      throw notFoundError(`${kind === 'IMPORT' ? 'Import' : 'Export'} job ${jobId} does not exist in datastore ${datastoreId}`);
    }
    return job;
  }

  async list(kind: JobKind, command: ListJobsCommand): Promise<{ jobs: JobRecord[]; nextToken?: string }> {
    await this.requireDatastore(command.DatastoreId);
    const { NextToken, MaxResults, ...filter } = command;
    const { rows, nextToken } = await this.pageTokens.keysetPage(
      JSON.stringify({ kind, ...filter }),
      NextToken,
      MaxResults ?? DEFAULT_PAGE_SIZE,
      (after, take) =>
        this.jobs.list(
          {
            kind,
            datastoreId: command.DatastoreId,
            name: command.JobName,
            status: command.JobStatus,
            submittedBefore: command.SubmittedBefore,
            submittedAfter: command.SubmittedAfter,
            after: after && { submitTime: after.at, id: after.id },
          },
          take,
        ),
      (job) => ({ at: job.submitTime, id: job.id }),
    );
    return { jobs: rows, ...(nextToken ? { nextToken } : {}) };
  }

  /** Cancels a waiting job at once, or asks the worker to stop a running one. */
  async cancel(kind: JobKind, datastoreId: string, jobId: string): Promise<JobRecord> {
    const job = await this.describe(kind, datastoreId, jobId);
    const outcome = await this.jobs.requestCancel(job.id);
    if (outcome.kind === 'not-found') throw notFoundError(`Job ${jobId} does not exist`);
    if (outcome.kind === 'not-cancellable') {
      const why = isTerminal(outcome.job.status) ? 'has already finished' : 'is already being cancelled';
      throw conflictError(`Job ${jobId} ${why} (status ${outcome.job.status}) and cannot be cancelled`);
    }
    return outcome.job;
  }

  private findByToken(request: StartJobRequest, clientToken: string): Promise<JobRecord | undefined> {
    return this.jobs.findByClientToken(request.kind, request.datastoreId, clientToken);
  }

  private sameRequestOrConflict(job: JobRecord, requestHash: string, clientToken: string): JobRecord {
    if (job.requestHash !== requestHash) throw conflictError(`ClientToken ${clientToken} was already used for a different request`);
    return job;
  }

  private async requireDatastore(datastoreId: string) {
    const datastore = /^[0-9a-f]{32}$/.test(datastoreId) ? await this.datastores.findById(datastoreId) : null;
    if (!datastore || datastore.status === 'DELETED') throw notFoundError(`Datastore ${datastoreId} does not exist`);
    return datastore;
  }

  private async requireActiveDatastore(datastoreId: string): Promise<void> {
    const datastore = await this.requireDatastore(datastoreId);
    if (datastore.status !== 'ACTIVE') throw new AwsServiceError('ConflictException', `Datastore ${datastoreId} is ${datastore.status}; jobs need an ACTIVE datastore`);
  }
}
