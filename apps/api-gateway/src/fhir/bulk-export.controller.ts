import { Controller, Delete, Get, Inject, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { GatewayEnv } from '@fhirlake/config';
import { badRequest, conflict, FhirError, notFound, type OperationOutcome } from '@fhirlake/fhir';
import { isTerminal } from '@fhirlake/jobs';
import type { JobRecord } from '@fhirlake/persistence';
import type { Request, Response } from 'express';
import { AwsServiceError } from '../control-plane/aws-service-error';
import { JobService } from '../control-plane/jobs/job.service';
import { requestBaseUrl } from '../http/request-base-url';
import { principalOf } from '../auth/caller';
import { FhirExportJobAction, FhirExportKickOff } from '../auth/fhir-actions';
import { GATEWAY_CONFIG } from '../infrastructure/tokens';
import { bulkExportBody, parseBulkExportQuery } from './bulk-export-request';
import { FHIR_JSON, FhirExceptionFilter } from './fhir-exception.filter';
import { requireId } from './fhir-request';

const RETRY_AFTER_SECONDS = '5';

/** FHIR Bulk Data $export as HealthLake offers it: kick-off, status polling and cancellation. */
@ApiTags('FHIR Bulk Data export')
@ApiParam({ name: 'datastoreId' })
@Controller('datastore/:datastoreId/r4')
@UseFilters(FhirExceptionFilter)
export class BulkExportController {
  constructor(
    private readonly jobs: JobService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayEnv,
  ) {}

  @Post('$export')
  @FhirExportKickOff('system')
  @ApiOperation({ summary: 'System-level export kick-off (Prefer: respond-async)' })
  @ApiQuery({ name: '_type', required: false }) @ApiQuery({ name: '_since', required: false }) @ApiQuery({ name: '_until', required: false }) @ApiQuery({ name: '_outputFormat', required: false })
  system(@Param('datastoreId') datastoreId: string, @Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response) {
    return this.kickOff(datastoreId, { scope: 'SYSTEM' }, query, req, res);
  }

  @Post('Patient/$export')
  @FhirExportKickOff('patient')
  @ApiOperation({ summary: 'Patient-level export kick-off: every Patient and its compartment' })
  patient(@Param('datastoreId') datastoreId: string, @Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response) {
    return this.kickOff(datastoreId, { scope: 'PATIENT' }, query, req, res);
  }

  @Post('Group/:groupId/$export')
  @FhirExportKickOff('group')
  @ApiOperation({ summary: "Group-level export kick-off: the Group's Patient members and their compartments" })
  group(@Param('datastoreId') datastoreId: string, @Param('groupId') groupId: string, @Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response) {
    return this.kickOff(datastoreId, { scope: 'GROUP', groupId: requireId(groupId) }, query, req, res);
  }

  @Get('export/:jobId')
  @FhirExportJobAction('DescribeFHIRExportJobWithGet')
  @ApiOperation({ summary: 'Export status (202 with X-Progress while running, 200 when finished)' })
  async status(@Param('datastoreId') datastoreId: string, @Param('jobId') jobId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const job = await this.translate(() => this.jobs.describe('EXPORT', datastoreId, jobId));
    const done = isTerminal(job.status);
    if (!done) {
      const progress = job.progress as { partsDone?: number; partsTotal?: number };
      const detail = progress.partsTotal ? ` (${progress.partsDone ?? 0}/${progress.partsTotal} parts)` : '';
      res.setHeader('X-Progress', `${job.status}${detail}`);
      res.setHeader('Retry-After', RETRY_AFTER_SECONDS);
    }
    res.status(done ? 200 : 202).type(FHIR_JSON).send(JSON.stringify({ exportJobProperties: this.present(job, req) }));
  }

  @Delete('export/:jobId')
  @FhirExportJobAction('CancelFHIRExportJobWithDelete')
  @ApiOperation({ summary: 'Cancel an export' })
  async cancel(@Param('datastoreId') datastoreId: string, @Param('jobId') jobId: string, @Res() res: Response): Promise<void> {
    const job = await this.translate(() => this.jobs.cancel('EXPORT', datastoreId, jobId));
    res.status(202).type(FHIR_JSON).send(JSON.stringify({ exportJobProperties: { jobId: job.id, jobStatus: job.status, datastoreId: job.datastoreId } }));
  }

  private async kickOff(datastoreId: string, target: { scope: string; groupId?: string }, query: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    if (!/^application\/fhir\+json\b/.test(req.get('content-type') ?? '')) throw badRequest('$export requires Content-Type: application/fhir+json');
    if (!/\brespond-async\b/.test(req.get('prefer') ?? '')) throw badRequest('$export requires the header Prefer: respond-async');
    const parameters = parseBulkExportQuery(query);
    const body = bulkExportBody.safeParse(parseBody(req.body));
    if (!body.success) throw badRequest(`Invalid $export body: ${body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
    const requestUrl = `${requestBaseUrl(req, this.config.FHIRLAKE_PUBLIC_URL)}${req.originalUrl}`;
    const job = await this.translate(() =>
      this.jobs.start({
        kind: 'EXPORT',
        datastoreId,
        name: body.data.JobName,
        dataAccessRoleArn: body.data.DataAccessRoleArn,
        outputS3Uri: body.data.OutputDataConfig.S3Configuration.S3Uri,
        kmsKeyId: body.data.OutputDataConfig.S3Configuration.KmsKeyId,
        exportRequest: { ...target, ...parameters, requestUrl },
        principal: principalOf(req),
      }),
    );
    res.setHeader('Content-Location', `${this.fhirBase(req, datastoreId)}export/${job.id}`);
    res.status(202).type(FHIR_JSON).send(JSON.stringify({ datastoreId: job.datastoreId, jobStatus: job.status, jobId: job.id }));
  }

  private present(job: JobRecord, req: Request) {
    const request = (job.exportRequest ?? {}) as { requestUrl?: string };
    const result = (job.result ?? {}) as { output?: unknown[]; error?: unknown[] };
    return {
      jobId: job.id,
      jobName: job.name ?? undefined,
      jobStatus: job.status,
      submitTime: job.submitTime.toISOString(),
      endTime: job.endTime?.toISOString(),
      datastoreId: job.datastoreId,
      outputDataConfig: { s3Configuration: { s3Uri: job.outputS3Uri, kmsKeyId: job.kmsKeyId } },
      dataAccessRoleArn: job.dataAccessRoleArn,
      message: job.message ?? undefined,
      ...(isTerminal(job.status)
        ? {
            transactionTime: job.transactionTime ?? undefined,
            request: request.requestUrl ?? `${this.fhirBase(req, job.datastoreId)}$export`,
            requiresAccessToken: false,
            output: result.output ?? [],
            error: result.error ?? [],
          }
        : {}),
    };
  }

  /** Control-plane errors from the shared job service, rendered as OperationOutcomes. */
  private async translate<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof AwsServiceError)) throw error;
      const status: Record<string, (msg: string) => FhirError> = { ResourceNotFoundException: notFound, ConflictException: conflict };
      throw (status[error.type] ?? ((msg: string) => new FhirError(error.status, outcome(error.status === 403 ? 'forbidden' : 'invalid', msg))))(error.message);
    }
  }

  private fhirBase(req: Request, datastoreId: string): string {
    return `${requestBaseUrl(req, this.config.FHIRLAKE_PUBLIC_URL)}/datastore/${datastoreId}/r4/`;
  }
}

function outcome(code: 'invalid' | 'forbidden', diagnostics: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

function parseBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) throw badRequest('$export needs a JSON body with OutputDataConfig and DataAccessRoleArn');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('The $export body is not valid JSON', undefined, 'structure');
  }
}
