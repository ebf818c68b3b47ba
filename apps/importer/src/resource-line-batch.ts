import type { ValidationLevel } from '@fhirlake/fhir';
import type { NdjsonLine } from './ndjson-line-splitter';
import { assignedId, type ParsedLine, parseResourceLine } from './resource-line.parser';

/** A run of input lines to parse and validate, and what ids given to id-less resources derive from. */
export interface ResourceLineBatch {
  lines: NdjsonLine[];
  level: ValidationLevel;
  maxLineBytes: number;
  jobId: string;
  s3Key: string;
}

/** Parses and validates each line of the batch (pure CPU work, run in a parse thread or inline). */
export function parseResourceLineBatch(batch: ResourceLineBatch): ParsedLine[] {
  const idFor = (line: number) => assignedId(batch.jobId, batch.s3Key, line);
  return batch.lines.map((line) => parseResourceLine(line, batch.level, batch.maxLineBytes, idFor));
}
