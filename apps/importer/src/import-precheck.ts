import { formatS3Uri, joinKey, parseS3Uri, type S3Location, type S3ObjectStore } from '@fhirlake/cloud';
import type { JobRecord, PlannedImportFile } from '@fhirlake/persistence';
import { outputNames } from './import-output-names';

/** Where an import reads and writes. */
export interface ImportLocations {
  input: S3Location;
  /** The job's output folder: `<output S3Uri>/<datastoreId>-FHIR_IMPORT-<jobId>`. */
  jobFolder: S3Location;
}

export type PrecheckResult = { ok: true; locations: ImportLocations } | { ok: false; message: string };

const describe = (error: unknown) => {
  const e = error as { name?: string; message?: string; Code?: string };
  return `${e.name ?? e.Code ?? 'Error'}${e.message && e.message !== e.name ? `: ${e.message}` : ''}`;
};

/** The probe object that proves the output location is writable; deleted right after. */
export const WRITE_CHECK_OBJECT = '.write-check';

/** The job's input and output folder, or why its URIs are unusable. */
export function importLocations(job: JobRecord): PrecheckResult {
  const input = job.inputS3Uri ? parseS3Uri(job.inputS3Uri) : undefined;
  if (!input) return { ok: false, message: `The input S3 URI ${JSON.stringify(job.inputS3Uri)} is not a valid s3://bucket/prefix URI` };
  const output = parseS3Uri(job.outputS3Uri);
  if (!output) return { ok: false, message: `The output S3 URI ${JSON.stringify(job.outputS3Uri)} is not a valid s3://bucket/prefix URI` };
  return { ok: true, locations: { input, jobFolder: { bucket: output.bucket, key: joinKey(output.key, `${job.datastoreId}-FHIR_IMPORT-${job.id}`) } } };
}

/**
 * The checks an import makes with its own S3 client once the job preflight passed (role, buckets
 * and KMS key are checked there): readable input with at least one object (on the first run,
 * which also plans the files) and a writable output location. Each failure names exactly what is wrong.
 */
export class ImportPrecheck {
  constructor(private readonly store: S3ObjectStore) {}

  /**
   * The input objects in key order: the object the URI names if it exists, else every object
   * under it as a folder. Folder markers (keys ending in `/`) are skipped; every other object is
   * read as ndjson (gzip-compressed when its name ends in `.gz`), as HealthLake reads every object.
   */
  async listInput(input: S3Location): Promise<{ ok: true; files: PlannedImportFile[] } | { ok: false; message: string }> {
    const uri = formatS3Uri(input);
    try {
      let prefix = input.key;
      let objects: Array<{ key: string; size: number }> = [];
      if (prefix !== '' && !prefix.endsWith('/')) {
        const single = await this.store.head(input.bucket, prefix);
        if (single) objects = [{ key: prefix, size: single.size }];
        else prefix = `${prefix}/`;
      }
      if (objects.length === 0) {
        for await (const object of this.store.list(input.bucket, prefix)) if (!object.key.endsWith('/')) objects.push(object);
      }
      if (objects.length === 0) return { ok: false, message: `No input objects found at ${uri}` };
      const names = outputNames(objects.map((o) => o.key), prefix);
      return { ok: true, files: objects.map((o, i) => ({ s3Key: o.key, sizeBytes: o.size, gzip: /\.gz$/i.test(o.key), outputName: names[i] })) };
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchBucket') return { ok: false, message: `The input bucket ${input.bucket} does not exist` };
      return { ok: false, message: `The input location ${uri} cannot be read (${describe(error)})` };
    }
  }

  /** The output location, checked by writing an empty probe object with SSE-KMS (the job's key). */
  async checkOutput(job: JobRecord, jobFolder: S3Location): Promise<string | undefined> {
    try {
      const probe = joinKey(jobFolder.key, WRITE_CHECK_OBJECT);
      await this.store.write(jobFolder.bucket, probe, '', { kmsKeyId: job.kmsKeyId }, 'text/plain');
      // Users find only their outputs in the job folder; a probe that cannot be deleted is harmless.
      await this.store.delete(jobFolder.bucket, probe).catch(() => undefined);
      return undefined;
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchBucket') return `The output bucket ${jobFolder.bucket} does not exist`;
      return `The output location ${job.outputS3Uri} is not writable (${describe(error)})`;
    }
  }
}
