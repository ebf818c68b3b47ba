import { operationOutcome, type ValidationIssue } from '@fhirlake/fhir';
import { NO_BYTES } from '@fhirlake/persistence/bulk-rows';
import type { InvalidLine, ParsedResources } from './resource-line-batch';

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
  /** The valid resources, in input order (blank lines are skipped but still covered by the checkpoint). */
  resources: ParsedResources;
  /** Customer errors, in line order. */
  invalid: InvalidLine[];
  /** Input bytes covered so far (for batch sizing). */
  byteCount: number;
}

/** No resources (a batch still being read, or one of bad lines only). */
export const noResources = (datastoreId: string): ParsedResources => ({
  rendered: { datastoreId, types: [], ids: [], rows: NO_BYTES, rowEnds: [], references: NO_BYTES, referenceEnds: [] },
  lines: [],
  bytes: [],
  successes: NO_BYTES,
  successEnds: [],
});

export const newBatch = (datastoreId: string, fileIndex: number, fromLine: number, fromByte: number): PreparedBatch => ({
  fileIndex,
  fromLine,
  nextLine: fromLine,
  nextByte: fromByte,
  endOfFile: false,
  resources: noResources(datastoreId),
  invalid: [],
  byteCount: 0,
});

/** FAILURE line: the input file and line, and why it was not imported. */
export function failureLine(inputUri: string, line: number, issues: readonly ValidationIssue[]): string {
  return JSON.stringify({ file: inputUri, line, outcome: operationOutcome(issues) });
}

/** The issue reported for a line the server failed to store (details are in the server log only). */
export const SERVER_ERROR_ISSUES: readonly ValidationIssue[] = [
  { severity: 'error', code: 'exception', diagnostics: 'The server could not store this resource' },
];
