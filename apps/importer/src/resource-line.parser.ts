import { extractReferences, type ValidationIssue, type ValidationLevel, validateResource } from '@fhirlake/fhir';
import type { BulkResource, IndexedReference } from '@fhirlake/persistence';
import { createHash } from 'node:crypto';
import type { NdjsonLine } from './ndjson-line-splitter';

/** What one input line holds. */
export type ParsedLine =
  | { kind: 'blank' }
  | { kind: 'resource'; resource: BulkResource }
  | { kind: 'invalid'; issues: ValidationIssue[] };

const BLANK = /^\s*$/;

/**
 * The id a resource without one gets, as a FHIR create would assign one, but derived from where the
 * line is (job, input key, line number): a resumed import assigns exactly the same ids.
 */
export function assignedId(jobId: string, s3Key: string, line: number): string {
  const hex = createHash('sha256').update(`${jobId}\n${s3Key}\n${line}`).digest('hex');
  // RFC 9562 layout, version 8 (custom), variant 10.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const issue = (code: ValidationIssue['code'], diagnostics: string, expression?: string): ValidationIssue[] => [
  { severity: 'error', code, diagnostics, ...(expression ? { expression } : {}) },
];

/** The references of a resource as the index stores them, without duplicates. */
export function indexedReferences(resource: unknown): IndexedReference[] {
  const seen = new Set<string>();
  const out: IndexedReference[] = [];
  for (const r of extractReferences(resource)) {
    const key = `${r.path}\u0000${r.reference}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: r.path, reference: r.reference, ...(r.targetType ? { targetType: r.targetType } : {}), ...(r.targetId ? { targetId: r.targetId } : {}) });
  }
  return out;
}

/**
 * Parses and validates one ndjson line at `level`. Bad lines become issues (customer errors);
 * nothing here throws on input. A resource without an id gets {@link assignedId}.
 */
export function parseResourceLine(line: NdjsonLine, level: ValidationLevel, maxLineBytes: number, idFor: (line: number) => string): ParsedLine {
  if (line.problem === 'too-long') return { kind: 'invalid', issues: issue('too-costly', `The line is ${line.end - line.start} bytes long; the limit is ${maxLineBytes} bytes`) };
  if (line.problem === 'invalid-utf8') return { kind: 'invalid', issues: issue('structure', 'The line is not valid UTF-8') };
  const text = line.text ?? '';
  if (BLANK.test(text)) return { kind: 'blank' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'invalid', issues: issue('structure', `The line is not valid JSON (${(error as Error).message.slice(0, 200)})`) };
  }
  const issues = validateResource(value, level, text);
  if (issues.length > 0) return { kind: 'invalid', issues };
  const { resourceType, id, meta, ...body } = value as { resourceType: string; id?: string; meta?: unknown };
  if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta))) {
    return { kind: 'invalid', issues: issue('structure', 'meta must be a JSON object', `${resourceType}.meta`) };
  }
  return {
    kind: 'resource',
    resource: {
      resourceType,
      id: id ?? idFor(line.number),
      ...(meta ? { meta: meta as Record<string, unknown> } : {}),
      bodyJson: JSON.stringify(body),
      references: indexedReferences(value),
    },
  };
}
