import { Injectable } from '@nestjs/common';
import type { AwsOperationHandler, AwsOperationProvider } from '../aws-operation';
import { parseCommand } from '../parse-command';
import { describeJobCommand, listJobsCommand, startExportJobCommand, startImportJobCommand } from './job.commands';
import { presentExportJob, presentImportJob } from './job.presenter';
import { JobService } from './job.service';

/** HealthLake import and export job operations for the AWS JSON endpoint. */
@Injectable()
export class JobOperations implements AwsOperationProvider {
  constructor(private readonly jobs: JobService) {}

  operations(): Record<string, AwsOperationHandler> {
    return {
      StartFHIRImportJob: async (input, { principal }) => {
        const c = parseCommand(startImportJobCommand, input);
        const job = await this.jobs.start({
          kind: 'IMPORT',
          datastoreId: c.DatastoreId,
          name: c.JobName,
          clientToken: c.ClientToken,
          dataAccessRoleArn: c.DataAccessRoleArn,
          inputS3Uri: c.InputDataConfig.S3Uri,
          outputS3Uri: c.JobOutputDataConfig.S3Configuration.S3Uri,
          kmsKeyId: c.JobOutputDataConfig.S3Configuration.KmsKeyId,
          validationLevel: c.ValidationLevel ?? 'strict',
          principal,
        });
        return { JobId: job.id, JobStatus: job.status, DatastoreId: job.datastoreId };
      },
      DescribeFHIRImportJob: async (input) => {
        const c = parseCommand(describeJobCommand, input);
        return { ImportJobProperties: presentImportJob(await this.jobs.describe('IMPORT', c.DatastoreId, c.JobId)) };
      },
      ListFHIRImportJobs: async (input) => {
        const { jobs, nextToken } = await this.jobs.list('IMPORT', parseCommand(listJobsCommand, input));
        return { ImportJobPropertiesList: jobs.map(presentImportJob), NextToken: nextToken };
      },
      StartFHIRExportJob: async (input, { principal }) => {
        const c = parseCommand(startExportJobCommand, input);
        const job = await this.jobs.start({
          kind: 'EXPORT',
          datastoreId: c.DatastoreId,
          name: c.JobName,
          clientToken: c.ClientToken,
          dataAccessRoleArn: c.DataAccessRoleArn,
          outputS3Uri: c.OutputDataConfig.S3Configuration.S3Uri,
          kmsKeyId: c.OutputDataConfig.S3Configuration.KmsKeyId,
          exportRequest: { scope: 'SYSTEM', outputFormat: 'application/fhir+ndjson' },
          principal,
        });
        return { JobId: job.id, JobStatus: job.status, DatastoreId: job.datastoreId };
      },
      DescribeFHIRExportJob: async (input) => {
        const c = parseCommand(describeJobCommand, input);
        return { ExportJobProperties: presentExportJob(await this.jobs.describe('EXPORT', c.DatastoreId, c.JobId)) };
      },
      ListFHIRExportJobs: async (input) => {
        const { jobs, nextToken } = await this.jobs.list('EXPORT', parseCommand(listJobsCommand, input));
        return { ExportJobPropertiesList: jobs.map(presentExportJob), NextToken: nextToken };
      },
    };
  }
}
