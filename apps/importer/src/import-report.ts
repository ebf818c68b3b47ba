import type { ImportFileRecord } from '@fhirlake/persistence';

const MB = 1024 * 1024;
const toMb = (bytes: number) => Math.round((bytes / MB) * 10_000) / 10_000;

/** HealthLake's JobProgressReport keys, as the control plane reads them from fhir_job.progress. */
export interface ImportProgress {
  TotalNumberOfScannedFiles: number;
  TotalSizeOfScannedFilesInMB: number;
  TotalNumberOfImportedFiles: number;
  TotalNumberOfResourcesScanned: number;
  TotalNumberOfResourcesImported: number;
  TotalNumberOfResourcesWithCustomerError: number;
  TotalNumberOfFilesReadWithCustomerError: number;
  /** Resources scanned per second since the job started. */
  Throughput: number;
}

/** A file counts as scanned once reading it began, as imported once it was read to the end. */
const started = (f: ImportFileRecord) => f.state !== 'PENDING';
const fullyRead = (f: ImportFileRecord) => f.state === 'LOADED' || f.state === 'WRITTEN';
const sum = (files: readonly ImportFileRecord[], pick: (f: ImportFileRecord) => number) => files.reduce((n, f) => n + pick(f), 0);

export function importProgress(files: readonly ImportFileRecord[], elapsedSeconds: number): ImportProgress {
  const scanned = files.filter(started);
  const resourcesScanned = sum(files, (f) => f.resourcesScanned);
  return {
    TotalNumberOfScannedFiles: scanned.length,
    TotalSizeOfScannedFilesInMB: toMb(sum(scanned, (f) => f.sizeBytes)),
    TotalNumberOfImportedFiles: files.filter(fullyRead).length,
    TotalNumberOfResourcesScanned: resourcesScanned,
    TotalNumberOfResourcesImported: sum(files, (f) => f.resourcesImported),
    TotalNumberOfResourcesWithCustomerError: sum(files, (f) => f.customerErrors),
    TotalNumberOfFilesReadWithCustomerError: files.filter((f) => f.customerErrors > 0).length,
    Throughput: elapsedSeconds > 0 ? Math.round(resourcesScanned / elapsedSeconds) : 0,
  };
}

/** The job's manifest.json (HealthLake's layout), written last. */
export interface ImportManifest {
  inputDataConfig: { s3Uri: string };
  outputDataConfig: { s3Uri: string; encryptionKeyID: string };
  successOutput: { successOutputS3Uri: string };
  failureOutput: { failureOutputS3Uri: string };
  numberOfScannedFiles: number;
  numberOfFilesImported: number;
  sizeOfScannedFilesInMB: number;
  sizeOfDataImportedSuccessfullyInMB: number;
  numberOfResourcesScanned: number;
  numberOfResourcesImportedSuccessfully: number;
  numberOfResourcesWithCustomerError: number;
  numberOfResourcesWithServerError: number;
  /** Present when the job was cancelled: the counts cover what was committed before it stopped. */
  cancelled?: true;
}

export function importManifest(
  files: readonly ImportFileRecord[],
  config: { inputS3Uri: string; outputS3Uri: string; kmsKeyId: string; jobFolderUri: string },
  cancelled: boolean,
): ImportManifest {
  const scanned = files.filter(started);
  return {
    inputDataConfig: { s3Uri: config.inputS3Uri },
    outputDataConfig: { s3Uri: config.outputS3Uri, encryptionKeyID: config.kmsKeyId },
    successOutput: { successOutputS3Uri: `${config.jobFolderUri}/SUCCESS/` },
    failureOutput: { failureOutputS3Uri: `${config.jobFolderUri}/FAILURE/` },
    numberOfScannedFiles: scanned.length,
    numberOfFilesImported: files.filter(fullyRead).length,
    sizeOfScannedFilesInMB: toMb(sum(scanned, (f) => f.sizeBytes)),
    sizeOfDataImportedSuccessfullyInMB: toMb(sum(files, (f) => f.importedBytes)),
    numberOfResourcesScanned: sum(files, (f) => f.resourcesScanned),
    numberOfResourcesImportedSuccessfully: sum(files, (f) => f.resourcesImported),
    numberOfResourcesWithCustomerError: sum(files, (f) => f.customerErrors),
    numberOfResourcesWithServerError: sum(files, (f) => f.serverErrors),
    ...(cancelled ? { cancelled: true as const } : {}),
  };
}
