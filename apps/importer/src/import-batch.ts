import { operationOutcome, type ValidationIssue } from '@fhirlake/fhir';
import type { BulkResource, BulkWrittenVersion } from '@fhirlake/persistence';

/** One non-blank input line of a batch, parsed and validated. */
export interface BatchEntry {
  line: number;
  /** Input bytes of the line, terminator included. */
  bytes: number;
  resource?: BulkResource;
  /** Set for customer errors. */
  issues?: ValidationIssue[];
}

/**
 * A run of consecutive input lines of one file, committed atomically with the checkpoint that
 * moves the file from `fromLine` to `nextLine`/`nextByte`.
 */
export interface PreparedBatch {
  fileIndex: number;
  fromLine: number;
  nextLine: number;
  nextByte: number;
  endOfFile: boolean;
  /** Non-blank lines only (blank lines are skipped but still covered by the checkpoint). */
  entries: BatchEntry[];
  /** Input bytes covered so far (for batch sizing). */
  byteCount: number;
}

export const newBatch = (fileIndex: number, fromLine: number, fromByte: number): PreparedBatch => ({
  fileIndex,
  fromLine,
  nextLine: fromLine,
  nextByte: fromByte,
  endOfFile: false,
  entries: [],
  byteCount: 0,
});

/** SUCCESS line: where the resource came from and the version it was stored as. */
export function successLine(entry: BatchEntry, version: BulkWrittenVersion): string {
  const r = entry.resource!;
  return `{"line":${entry.line},"resourceType":${JSON.stringify(r.resourceType)},"id":${JSON.stringify(r.id)},"versionId":"${version.versionId}"}`;
}

/** FAILURE line: the input file and line, and why it was not imported. */
export function failureLine(inputUri: string, line: number, issues: readonly ValidationIssue[]): string {
  return JSON.stringify({ file: inputUri, line, outcome: operationOutcome(issues) });
}

/** The issue reported for a line the server failed to store (details are in the server log only). */
export const SERVER_ERROR_ISSUES: readonly ValidationIssue[] = [
  { severity: 'error', code: 'exception', diagnostics: 'The server could not store this resource' },
];
