import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import { principalOf } from '../../auth/caller';
import { ControlPlaneAction, startJobRule } from '../../auth/control-plane-actions';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { JOB_STATUSES, type JobKind } from '@fhirlake/jobs';
import { openApiSchema } from '../../http/openapi-schema';
import { parseJsonBuffer } from '../../http/json-body';
import { AwsJsonExceptionFilter } from '../aws-json-exception.filter';
import { parseCommand } from '../parse-command';
import { listJobsCommand, startExportJobCommand, startImportJobCommand } from './job.commands';
import { presentExportJob, presentImportJob } from './job.presenter';
import { JobService } from './job.service';

const importBody = startImportJobCommand.omit({ DatastoreId: true });
const exportBody = startExportJobCommand.omit({ DatastoreId: true });
const awsError = { description: 'AWS-style JSON error: {"__type": "...", "message": "..."}' };
const listQueries = [
  ApiQuery({ name: 'jobName', required: false }),
  ApiQuery({ name: 'jobStatus', required: false, enum: JOB_STATUSES }),
  ApiQuery({ name: 'submittedBefore', required: false, description: 'ISO 8601 date-time' }),
  ApiQuery({ name: 'submittedAfter', required: false, description: 'ISO 8601 date-time' }),
  ApiQuery({ name: 'maxResults', required: false, schema: { type: 'integer', minimum: 1, maximum: 500 } }),
  ApiQuery({ name: 'nextToken', required: false }),
];
const applyAll = (decorators: MethodDecorator[]): MethodDecorator => (target, key, descriptor) => {
  for (const decorator of decorators) decorator(target, key, descriptor);
};

function listCommand(datastoreId: string, query: Record<string, string | undefined>) {
  return parseCommand(listJobsCommand, {
    DatastoreId: datastoreId,
    JobName: query.jobName,
    JobStatus: query.jobStatus,
    SubmittedBefore: query.submittedBefore,
    SubmittedAfter: query.submittedAfter,
    MaxResults: query.maxResults === undefined ? undefined : Number(query.maxResults),
    NextToken: query.nextToken,
  });
}

/** Import and export jobs as plain REST (HealthLake's shapes, timestamps in ISO 8601), plus cancellation. */
@ApiTags('Import and export jobs (REST)')
@ApiParam({ name: 'datastoreId' })
@Controller('datastores/:datastoreId')
@UseFilters(AwsJsonExceptionFilter)
export class JobRestController {
  constructor(private readonly jobs: JobService) {}

  @Post('import-jobs')
  @ControlPlaneAction('StartFHIRImportJob', startJobRule)
  @HttpCode(201)
  @ApiOperation({ summary: 'Start an import job (StartFHIRImportJob)' })
  @ApiBody({ schema: openApiSchema(importBody) })
  @ApiResponse({ status: 400, ...awsError })
  async startImport(@Param('datastoreId') datastoreId: string, @Body() body: unknown, @Req() req: Request) {
    const c = parseCommand(importBody, parseJsonBuffer(body));
    const job = await this.jobs.start({
      kind: 'IMPORT', datastoreId, name: c.JobName, clientToken: c.ClientToken, dataAccessRoleArn: c.DataAccessRoleArn,
      inputS3Uri: c.InputDataConfig.S3Uri, outputS3Uri: c.JobOutputDataConfig.S3Configuration.S3Uri,
      kmsKeyId: c.JobOutputDataConfig.S3Configuration.KmsKeyId, validationLevel: c.ValidationLevel ?? 'strict', principal: principalOf(req),
    });
    return { JobId: job.id, JobStatus: job.status, DatastoreId: job.datastoreId };
  }

  @Get('import-jobs')
  @ControlPlaneAction('ListFHIRImportJobs')
  @ApiOperation({ summary: 'List import jobs, newest first (ListFHIRImportJobs)' })
  @applyAll(listQueries)
  async listImports(@Param('datastoreId') datastoreId: string, @Query() query: Record<string, string | undefined>) {
    const { jobs, nextToken } = await this.jobs.list('IMPORT', listCommand(datastoreId, query));
    return { ImportJobPropertiesList: jobs.map(presentImportJob), ...(nextToken ? { NextToken: nextToken } : {}) };
  }

  @Get('import-jobs/:jobId')
  @ControlPlaneAction('DescribeFHIRImportJob')
  @ApiOperation({ summary: 'Describe an import job with its progress (DescribeFHIRImportJob)' })
  async describeImport(@Param('datastoreId') datastoreId: string, @Param('jobId') jobId: string) {
    return presentImportJob(await this.jobs.describe('IMPORT', datastoreId, jobId));
  }

  @Delete('import-jobs/:jobId')
  @ControlPlaneAction('CancelFHIRImportJob')
  @ApiOperation({ summary: 'Cancel an import job (keeps what was already committed)' })
  async cancelImport(@Param('datastoreId') datastoreId: string, @Param('jobId') jobId: string) {
    return this.cancel('IMPORT', datastoreId, jobId);
  }

  @Post('export-jobs')
  @ControlPlaneAction('StartFHIRExportJob', startJobRule)
  @HttpCode(201)
  @ApiOperation({ summary: 'Start a system-level export job (StartFHIRExportJob)' })
  @ApiBody({ schema: openApiSchema(exportBody) })
  async startExport(@Param('datastoreId') datastoreId: string, @Body() body: unknown, @Req() req: Request) {
    const c = parseCommand(exportBody, parseJsonBuffer(body));
    const job = await this.jobs.start({
      kind: 'EXPORT', datastoreId, name: c.JobName, clientToken: c.ClientToken, dataAccessRoleArn: c.DataAccessRoleArn,
      outputS3Uri: c.OutputDataConfig.S3Configuration.S3Uri, kmsKeyId: c.OutputDataConfig.S3Configuration.KmsKeyId,
      exportRequest: { scope: 'SYSTEM', outputFormat: 'application/fhir+ndjson' }, principal: principalOf(req),
    });
    return { JobId: job.id, JobStatus: job.status, DatastoreId: job.datastoreId };
  }

  @Get('export-jobs')
  @ControlPlaneAction('ListFHIRExportJobs')
  @ApiOperation({ summary: 'List export jobs, newest first (ListFHIRExportJobs)' })
  @applyAll(listQueries)
  async listExports(@Param('datastoreId') datastoreId: string, @Query() query: Record<string, string | undefined>) {
    const { jobs, nextToken } = await this.jobs.list('EXPORT', listCommand(datastoreId, query));
    return { ExportJobPropertiesList: jobs.map(presentExportJob), ...(nextToken ? { NextToken: nextToken } : {}) };
  }

  @Get('export-jobs/:jobId')
  @ControlPlaneAction('DescribeFHIRExportJob')
  @ApiOperation({ summary: 'Describe an export job (DescribeFHIRExportJob)' })
  async describeExport(@Param('datastoreId') datastoreId: string, @Param('jobId') jobId: string) {
    return presentExportJob(await this.jobs.describe('EXPORT', datastoreId, jobId));
  }

  @Delete('export-jobs/:jobId')
  @ControlPlaneAction('CancelFHIRExportJob')
  @ApiOperation({ summary: 'Cancel an export job' })
  async cancelExport(@Param('datastoreId') datastoreId: string, @Param('jobId') jobId: string) {
    return this.cancel('EXPORT', datastoreId, jobId);
  }

  private async cancel(kind: JobKind, datastoreId: string, jobId: string) {
    const job = await this.jobs.cancel(kind, datastoreId, jobId);
    return { JobId: job.id, JobStatus: job.status, DatastoreId: job.datastoreId };
  }
}

