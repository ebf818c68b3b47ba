import { formatS3Uri, joinKey, parseS3Uri, type S3Location } from '@fhirlake/cloud';

/** Where a job's files go: `<S3Uri>/<datastoreId>-FHIR_EXPORT-<jobId>/<Type>/<Type>-<n>.ndjson`. */
export class ExportOutputLocation {
  private constructor(
    readonly bucket: string,
    readonly folder: string,
  ) {}

  /** Undefined when the job's output URI is malformed. */
  static of(outputS3Uri: string, datastoreId: string, jobId: string): ExportOutputLocation | undefined {
    const location: S3Location | undefined = parseS3Uri(outputS3Uri);
    if (!location) return undefined;
    return new ExportOutputLocation(location.bucket, joinKey(location.key, `${datastoreId}-FHIR_EXPORT-${jobId}`));
  }

  objectKey(resourceType: string, partNumber: number): string {
    return joinKey(this.folder, resourceType, `${resourceType}-${partNumber}.ndjson`);
  }

  url(objectKey: string): string {
    return formatS3Uri({ bucket: this.bucket, key: objectKey });
  }
}
