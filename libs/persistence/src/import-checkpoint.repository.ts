import type { Pool, PoolClient } from 'pg';
import { copyTextField, copyTextRows } from './copy-text-rows';

/**
 * Where an import file stands: planned, partly loaded, fully loaded, outputs written to S3 after a
 * full load (WRITTEN) or after a cancellation stopped it part way (PARTIAL).
 */
export type ImportFileState = 'PENDING' | 'READING' | 'LOADED' | 'WRITTEN' | 'PARTIAL';

/** One input object of an import job as planned, plus its checkpoint. */
export interface ImportFileRecord {
  fileIndex: number;
  s3Key: string;
  sizeBytes: number;
  gzip: boolean;
  outputName: string;
  state: ImportFileState;
  /** 1-based number of the next line to load. */
  nextLine: number;
  /** Byte offset of that line (in the decompressed stream for gzip). */
  nextByte: number;
  resourcesScanned: number;
  resourcesImported: number;
  customerErrors: number;
  serverErrors: number;
  /** Input bytes of the lines imported successfully. */
  importedBytes: number;
}

export type PlannedImportFile = Pick<ImportFileRecord, 's3Key' | 'sizeBytes' | 'gzip' | 'outputName'>;

/** Counts a batch adds to its file. */
export interface ImportCounts {
  resourcesScanned: number;
  resourcesImported: number;
  customerErrors: number;
  serverErrors: number;
  importedBytes: number;
}

/** One batch's move of a file's checkpoint, from `fromLine` to `nextLine`/`nextByte`. */
export interface ImportBatchCheckpoint extends ImportCounts {
  fileIndex: number;
  fromLine: number;
  nextLine: number;
  nextByte: number;
  /** True when the batch ends the file. */
  endOfFile: boolean;
}

/** A batch's SUCCESS and FAILURE output lines, each kind joined by newlines ('' for none). */
export interface ImportBatchOutputs {
  success: string;
  failure: string;
}

/** Output lines of one kind of one batch, as read back: `line` is the batch's first input line. */
export interface ImportOutputLine {
  line: number;
  success: boolean;
  body: string;
}

/** Thrown when a batch does not start where the file's checkpoint stands (it was already committed). */
export class ImportCheckpointMismatchError extends Error {
  constructor(jobId: string, fileIndex: number, expected: number, actual: number | undefined) {
    super(`Import ${jobId} file ${fileIndex}: batch starts at line ${expected} but the checkpoint is at ${actual ?? 'none'}`);
    this.name = 'ImportCheckpointMismatchError';
  }
}

const FILE_COLUMNS = `file_index AS "fileIndex", s3_key AS "s3Key", size_bytes::float8 AS "sizeBytes", gzip, output_name AS "outputName",
  state, next_line AS "nextLine", next_byte::float8 AS "nextByte", resources_scanned AS "resourcesScanned",
  resources_imported AS "resourcesImported", customer_errors AS "customerErrors", server_errors AS "serverErrors",
  imported_bytes::float8 AS "importedBytes"`;

/**
 * Import job checkpoints: the job's planned input files and how far each was loaded, plus the
 * output lines of files whose SUCCESS/FAILURE objects are not written yet. Writes take the caller's
 * client so they commit in the same (fenced) transaction as the data they describe.
 */
export class ImportCheckpointRepository {
  constructor(private readonly pool: Pool) {}

  /** The job's files in plan (key) order; empty until planned. */
  async files(jobId: string, client?: PoolClient): Promise<ImportFileRecord[]> {
    const { rows } = await (client ?? this.pool).query<ImportFileRecord>(`SELECT ${FILE_COLUMNS} FROM fhir_import_file WHERE job_id = $1 ORDER BY file_index`, [jobId]);
    return rows;
  }

  /** Records the job's input files (once: returns false and changes nothing if already planned). */
  async plan(client: PoolClient, jobId: string, files: readonly PlannedImportFile[]): Promise<boolean> {
    const { rows } = await client.query('SELECT 1 FROM fhir_import_file WHERE job_id = $1 LIMIT 1', [jobId]);
    if (rows.length > 0) return false;
    const data = files.map((f, i) => `${jobId}\t${i}\t${copyTextField(f.s3Key)}\t${f.sizeBytes}\t${f.gzip ? 't' : 'f'}\t${copyTextField(f.outputName)}\n`).join('');
    await copyTextRows(client, 'fhir_import_file (job_id, file_index, s3_key, size_bytes, gzip, output_name)', data);
    return true;
  }

  /**
   * Advances a file's checkpoint and stores the batch's output lines. Refuses (throws
   * {@link ImportCheckpointMismatchError}) unless the checkpoint stands at `fromLine`, so no input
   * line can ever be committed twice.
   */
  async recordBatch(client: PoolClient, jobId: string, batch: ImportBatchCheckpoint, outputs: ImportBatchOutputs): Promise<void> {
    const { rows } = await client.query<{ next_line: number; state: ImportFileState }>(
      'SELECT next_line, state FROM fhir_import_file WHERE job_id = $1 AND file_index = $2 FOR UPDATE',
      [jobId, batch.fileIndex],
    );
    const current = rows[0];
    if (!current || current.next_line !== batch.fromLine || (current.state !== 'PENDING' && current.state !== 'READING')) {
      throw new ImportCheckpointMismatchError(jobId, batch.fileIndex, batch.fromLine, current?.next_line);
    }
    // One row per kind for the whole batch (not one per line): a few rows to write and read back
    // instead of thousands of index entries.
    let data = '';
    if (outputs.success) data += `${jobId}\t${batch.fileIndex}\t${batch.fromLine}\tt\t${copyTextField(outputs.success)}\n`;
    if (outputs.failure) data += `${jobId}\t${batch.fileIndex}\t${batch.fromLine}\tf\t${copyTextField(outputs.failure)}\n`;
    await copyTextRows(client, 'fhir_import_output (job_id, file_index, line, success, body)', data);
    await client.query(
      `UPDATE fhir_import_file SET state = $3, next_line = $4, next_byte = $5, resources_scanned = resources_scanned + $6,
         resources_imported = resources_imported + $7, customer_errors = customer_errors + $8, server_errors = server_errors + $9,
         imported_bytes = imported_bytes + $10, updated_at = now()
       WHERE job_id = $1 AND file_index = $2`,
      [jobId, batch.fileIndex, batch.endOfFile ? 'LOADED' : 'READING', batch.nextLine, batch.nextByte, batch.resourcesScanned,
        batch.resourcesImported, batch.customerErrors, batch.serverErrors, batch.importedBytes],
    );
  }

  /**
   * Output chunks of one kind for a file, in line order, after `afterLine` (keyset pagination): each
   * is the output of one batch (`line` is the batch's first input line, `body` its output lines
   * joined by newlines).
   */
  async outputPage(jobId: string, fileIndex: number, success: boolean, afterLine: number, limit: number): Promise<ImportOutputLine[]> {
    const { rows } = await this.pool.query<ImportOutputLine>(
      `SELECT line, success, body FROM fhir_import_output WHERE job_id = $1 AND file_index = $2 AND success = $3 AND line > $4
        ORDER BY line LIMIT $5`,
      [jobId, fileIndex, success, afterLine, limit],
    );
    return rows;
  }

  /** Whether a file has any output line of this kind pending. */
  async hasOutput(jobId: string, fileIndex: number, success: boolean): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT 1 FROM fhir_import_output WHERE job_id = $1 AND file_index = $2 AND success = $3 LIMIT 1', [jobId, fileIndex, success]);
    return rows.length > 0;
  }

  /** Marks a file's outputs as written to S3 (`complete`: after a full load) and drops its pending output lines. */
  async markWritten(client: PoolClient, jobId: string, fileIndex: number, complete: boolean): Promise<void> {
    await client.query(`UPDATE fhir_import_file SET state = $3, updated_at = now() WHERE job_id = $1 AND file_index = $2`, [jobId, fileIndex, complete ? 'WRITTEN' : 'PARTIAL']);
    await client.query('DELETE FROM fhir_import_output WHERE job_id = $1 AND file_index = $2', [jobId, fileIndex]);
  }
}
