import type { ImportFileRecord } from '@fhirlake/persistence';
import { importManifest, importProgress } from './import-report';

const file = (over: Partial<ImportFileRecord>): ImportFileRecord => ({
  fileIndex: 0, s3Key: 'in/a.ndjson', sizeBytes: 1048576, gzip: false, outputName: 'a.ndjson', state: 'PENDING', nextLine: 1, nextByte: 0,
  resourcesScanned: 0, resourcesImported: 0, customerErrors: 0, serverErrors: 0, importedBytes: 0, ...over,
});

describe('import progress and manifest', () => {
  const files = [
    file({ state: 'WRITTEN', resourcesScanned: 10, resourcesImported: 8, customerErrors: 1, serverErrors: 1, importedBytes: 524288 }),
    file({ fileIndex: 1, state: 'READING', resourcesScanned: 5, resourcesImported: 5, importedBytes: 1000 }),
    file({ fileIndex: 2 }),
  ];

  it('counts started files as scanned and fully read files as imported', () => {
    expect(importProgress(files, 5)).toEqual({
      TotalNumberOfScannedFiles: 2,
      TotalSizeOfScannedFilesInMB: 2,
      TotalNumberOfImportedFiles: 1,
      TotalNumberOfResourcesScanned: 15,
      TotalNumberOfResourcesImported: 13,
      TotalNumberOfResourcesWithCustomerError: 1,
      TotalNumberOfFilesReadWithCustomerError: 1,
      Throughput: 3,
    });
  });

  it('builds the manifest with exact counts (scanned = imported + customer + server errors)', () => {
    const manifest = importManifest(files, { inputS3Uri: 's3://b/in/', outputS3Uri: 's3://b/out', kmsKeyId: 'k', jobFolderUri: 's3://b/out/ds-FHIR_IMPORT-j' }, true);
    expect(manifest).toMatchObject({
      successOutput: { successOutputS3Uri: 's3://b/out/ds-FHIR_IMPORT-j/SUCCESS/' },
      failureOutput: { failureOutputS3Uri: 's3://b/out/ds-FHIR_IMPORT-j/FAILURE/' },
      numberOfResourcesScanned: 15,
      numberOfResourcesImportedSuccessfully: 13,
      numberOfResourcesWithCustomerError: 1,
      numberOfResourcesWithServerError: 1,
      sizeOfDataImportedSuccessfullyInMB: 0.501,
      cancelled: true,
    });
    expect(importManifest(files, { inputS3Uri: '', outputS3Uri: '', kmsKeyId: '', jobFolderUri: '' }, false)).not.toHaveProperty('cancelled');
  });
});
