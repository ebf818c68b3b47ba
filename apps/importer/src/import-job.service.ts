import { Logger } from '@nestjs/common';
import { formatPreflightProblems, formatS3Uri, type JobAwsClients, type JobDataClients, type S3Location } from '@fhirlake/cloud';
import type { JobExecution } from '@fhirlake/coordination';
import { VALIDATION_LEVELS, type ValidationLevel, isCancelling } from '@fhirlake/jobs';
import { DatastoreUnavailableError, type FhirResourceRepository, type ImportCheckpointRepository, type ImportFileRecord, type JobRepository } from '@fhirlake/persistence';
import type { ImportFileLoader, ImportFileRun } from './import-file.loader';
import type { ImportOutputWriter } from './import-output.writer';
import { importLocations, type ImportLocations, type ImportPrecheck } from './import-precheck';
import { importManifest, importProgress } from './import-report';

/** What one import moves its bytes with, built from the job's own S3 client. */
export interface ImportJobIo {
  readonly precheck: ImportPrecheck;
  readonly loader: ImportFileLoader;
  readonly outputs: ImportOutputWriter;
}

/**
 * Runs one import job for the worker holding it: the job preflight (data access role, buckets, KMS
 * key) on every start and resume, then plans the input files once, loads them in key order
 * (resuming from the checkpoints), writes each file's SUCCESS/FAILURE objects once it is loaded,
 * then the manifest, then the final status. Every step can be repeated by a replacement worker
 * after a crash and yields the same result.
 */
export class ImportJobService {
  private readonly logger = new Logger('ImportJobService');

  constructor(
    private readonly jobs: JobRepository,
    private readonly resources: Pick<FhirResourceRepository, 'datastoreStatus'>,
    private readonly checkpoints: ImportCheckpointRepository,
    private readonly aws: Pick<JobAwsClients, 'preflight' | 'acquire'>,
    private readonly io: (clients: JobDataClients) => ImportJobIo,
  ) {}

  async run(execution: JobExecution): Promise<void> {
    try {
      await this.runChecked(execution);
    } catch (error) {
      if (!(error instanceof DatastoreUnavailableError)) throw error;
      await this.fail(execution, `${error.message}; the import stopped`);
    }
  }

  private async runChecked(execution: JobExecution): Promise<void> {
    const { job } = execution;
    const located = importLocations(job);
    if (!located.ok) return this.fail(execution, located.message);

    const datastoreStatus = await this.resources.datastoreStatus(job.datastoreId);
    if (datastoreStatus !== 'ACTIVE') return this.fail(execution, new DatastoreUnavailableError(job.datastoreId, datastoreStatus).message);
    const files = await this.checkpoints.files(job.id);
    if (files.length === 0 && isCancelling(job.status)) {
      await this.jobs.transition(job.id, execution.epoch, 'CANCEL_COMPLETED', { message: 'Cancelled before any data was loaded' });
      return;
    }
    // Nothing moves before the checks pass: on the first run and again on every resume (the role
    // or the buckets may have changed since Start*Job or since the last worker).
    const problems = await this.aws.preflight(job);
    if (problems.length > 0) return this.fail(execution, formatPreflightProblems(problems));

    const lease = this.aws.acquire(job);
    try {
      await this.load(execution, located.locations, files, this.io(lease));
    } finally {
      lease.release();
    }
  }

  private async load(execution: JobExecution, { input, jobFolder }: ImportLocations, planned: ImportFileRecord[], io: ImportJobIo): Promise<void> {
    const { job, signal } = execution;
    let files = planned;
    if (files.length === 0) {
      const listed = await io.precheck.listInput(input);
      if (!listed.ok) return this.fail(execution, listed.message);
      const outputProblem = await io.precheck.checkOutput(job, jobFolder);
      if (outputProblem) return this.fail(execution, outputProblem);
      await execution.fenced((client) => this.checkpoints.plan(client, job.id, listed.files));
      files = await this.checkpoints.files(job.id);
      this.logger.log(`Job ${job.id}: ${files.length} input object(s) planned`);
    } else {
      const outputProblem = await io.precheck.checkOutput(job, jobFolder);
      if (outputProblem) return this.fail(execution, outputProblem);
    }

    const run: ImportFileRun = {
      execution,
      files,
      inputBucket: input.bucket,
      inputUri: (file) => formatS3Uri({ bucket: input.bucket, key: file.s3Key }),
      startedAt: (job.startTime ?? new Date()).getTime(),
      validationLevel: (VALIDATION_LEVELS as readonly string[]).includes(job.validationLevel ?? '') ? (job.validationLevel as ValidationLevel) : 'strict',
    };
    let cancelled = isCancelling(job.status);
    for (let i = 0; i < run.files.length && !cancelled; i++) {
      if (signal.aborted) throw signal.reason;
      if (run.files[i].state === 'PENDING' || run.files[i].state === 'READING') {
        cancelled = (await io.loader.load(run, run.files[i])) === 'cancelled';
      } else if (run.files[i].state === 'LOADED') {
        cancelled = await execution.cancelRequested();
      }
      if (run.files[i].state === 'LOADED') await this.writeOutputs(io.outputs, run, jobFolder, i);
    }

    if (cancelled) {
      await this.jobs.transition(job.id, execution.epoch, 'CANCEL_IN_PROGRESS');
      // Outputs for what was committed, including files stopped part way.
      for (let i = 0; i < run.files.length; i++) {
        if (run.files[i].state === 'READING' || run.files[i].state === 'LOADED') await this.writeOutputs(io.outputs, run, jobFolder, i);
      }
    }
    await this.finish(io.outputs, run, input, jobFolder, cancelled);
  }

  private async writeOutputs(outputs: ImportOutputWriter, run: ImportFileRun, jobFolder: S3Location, index: number): Promise<void> {
    const { execution } = run;
    const file = run.files[index];
    await outputs.writeFile(execution.job, jobFolder, file, execution.signal);
    if (execution.signal.aborted) throw execution.signal.reason;
    const complete = file.state === 'LOADED';
    await execution.fenced((client) => this.checkpoints.markWritten(client, execution.job.id, file.fileIndex, complete));
    run.files[index] = { ...file, state: complete ? 'WRITTEN' : 'PARTIAL' };
  }

  private async finish(outputs: ImportOutputWriter, run: ImportFileRun, input: S3Location, jobFolder: S3Location, cancelled: boolean): Promise<void> {
    const { execution } = run;
    const { job } = execution;
    const jobFolderUri = formatS3Uri(jobFolder);
    const manifest = importManifest(run.files, { inputS3Uri: job.inputS3Uri ?? formatS3Uri(input), outputS3Uri: job.outputS3Uri, kmsKeyId: job.kmsKeyId, jobFolderUri }, cancelled);
    const manifestUri = await outputs.writeManifest(job, jobFolder, manifest, execution.signal);
    if (execution.signal.aborted) throw execution.signal.reason;

    const failed = manifest.numberOfResourcesWithCustomerError + manifest.numberOfResourcesWithServerError;
    const status = cancelled ? 'CANCEL_COMPLETED' : failed > 0 ? 'COMPLETED_WITH_ERRORS' : 'COMPLETED';
    const message = cancelled
      ? `Cancelled; ${manifest.numberOfResourcesImportedSuccessfully} resource(s) were imported before it stopped`
      : failed > 0
        ? `${failed} of ${manifest.numberOfResourcesScanned} resource(s) were not imported (${manifest.numberOfResourcesWithCustomerError} customer error(s), ${manifest.numberOfResourcesWithServerError} server error(s)); see ${manifest.failureOutput.failureOutputS3Uri}`
        : null;
    await this.jobs.transition(job.id, execution.epoch, status, {
      message,
      progress: { ...importProgress(run.files, (Date.now() - run.startedAt) / 1000) },
      result: { manifestS3Uri: manifestUri, jobOutputS3Uri: `${jobFolderUri}/`, ...manifest },
    });
    this.logger.log(`Job ${job.id} ${status}: ${manifest.numberOfResourcesImportedSuccessfully}/${manifest.numberOfResourcesScanned} resource(s) imported from ${manifest.numberOfScannedFiles} file(s)`);
  }

  private async fail(execution: JobExecution, message: string): Promise<void> {
    this.logger.warn(`Job ${execution.job.id} FAILED: ${message}`);
    await this.jobs.transition(execution.job.id, execution.epoch, 'FAILED', { message });
  }
}
