import type { JobRecord } from '@fhirlake/persistence';

const PROGRESS_REPORT_KEYS = [
  'TotalNumberOfScannedFiles',
  'TotalSizeOfScannedFilesInMB',
  'TotalNumberOfImportedFiles',
  'TotalNumberOfResourcesScanned',
  'TotalNumberOfResourcesImported',
  'TotalNumberOfResourcesWithCustomerError',
  'TotalNumberOfFilesReadWithCustomerError',
  'Throughput',
] as const;

const outputConfig = (job: JobRecord) => ({ S3Configuration: { S3Uri: job.outputS3Uri, KmsKeyId: job.kmsKeyId } });

/** HealthLake's ImportJobProperties (timestamps as Dates; each protocol renders them its way). */
export function presentImportJob(job: JobRecord) {
  const progress = job.progress ?? {};
  return {
    JobId: job.id,
    JobName: job.name ?? undefined,
    JobStatus: job.status,
    SubmitTime: job.submitTime,
    EndTime: job.endTime ?? undefined,
    DatastoreId: job.datastoreId,
    InputDataConfig: { S3Uri: job.inputS3Uri ?? '' },
    JobOutputDataConfig: outputConfig(job),
    JobProgressReport: Object.fromEntries(PROGRESS_REPORT_KEYS.map((key) => [key, typeof progress[key] === 'number' ? progress[key] : 0])),
    DataAccessRoleArn: job.dataAccessRoleArn,
    Message: job.message ?? undefined,
    ValidationLevel: job.validationLevel ?? 'strict',
  };
}

/** HealthLake's ExportJobProperties. */
export function presentExportJob(job: JobRecord) {
  return {
    JobId: job.id,
    JobName: job.name ?? undefined,
    JobStatus: job.status,
    SubmitTime: job.submitTime,
    EndTime: job.endTime ?? undefined,
    DatastoreId: job.datastoreId,
    OutputDataConfig: outputConfig(job),
    DataAccessRoleArn: job.dataAccessRoleArn,
    Message: job.message ?? undefined,
  };
}
