import type { ValidationIssue, ValidationLevel } from '@fhirlake/fhir';
import { ByteWriter, type RenderedResources, RenderedResourcesBuilder, VERSION_MARK } from '@fhirlake/persistence/bulk-rows';
import { decodeLines, type LineBatchText } from './line-batch-text';
import { assignedId, parseResourceLine } from './resource-line.parser';

/** A run of input lines to parse and validate, and what ids given to id-less resources derive from. */
export interface ResourceLineBatch {
  lines: LineBatchText;
  level: ValidationLevel;
  maxLineBytes: number;
  jobId: string;
  datastoreId: string;
  s3Key: string;
}

/** An input line that is a customer error. */
export interface InvalidLine {
  line: number;
  /** Input bytes of the line, terminator included. */
  bytes: number;
  issues: ValidationIssue[];
}

/** The valid resources of a batch, rendered for the bulk writer, and where each came from. */
export interface ParsedResources {
  rendered: RenderedResources;
  /** Input line number of each resource. */
  lines: number[];
  /** Input bytes of each resource's line, terminator included. */
  bytes: number[];
  /** SUCCESS output line of each resource as UTF-8 (VERSION_MARK where its version goes), each ending with a newline. */
  successes: Uint8Array;
  /** End byte offset of each resource's SUCCESS line in `successes`. */
  successEnds: number[];
}

/** What parsing a batch yields: its resources in input order, and its bad lines (blank lines are dropped). */
export interface ParsedLineBatch {
  resources: ParsedResources;
  invalid: InvalidLine[];
}

/** Memory to render a batch into (a slot's regions); ordinary buffers where none is given or it runs out. */
export interface OutputRegions {
  rows?: Uint8Array;
  references?: Uint8Array;
  successes?: Uint8Array;
}

/** SUCCESS line: where the resource came from and the version it was stored as. */
export function successLine(line: number, resourceType: string, id: string, versionId: number | string): string {
  return `{"line":${line},"resourceType":${JSON.stringify(resourceType)},"id":${JSON.stringify(id)},"versionId":"${versionId}"}`;
}

/**
 * Parses and validates each line of the batch and renders its resources as COPY rows and SUCCESS
 * lines (pure CPU work, run in a parse thread or inline): the thread that commits then only fills in
 * versions, so its work per batch stays small and it allocates few objects.
 */
export function parseResourceLineBatch(batch: ResourceLineBatch, regions: OutputRegions = {}): ParsedLineBatch {
  const idFor = (line: number) => assignedId(batch.jobId, batch.s3Key, line);
  // Rows take about the input's bytes plus their keys and marks.
  const builder = new RenderedResourcesBuilder(batch.datastoreId, batch.lines.text.byteLength + 160 * batch.lines.numbers.length, regions);
  const successes = new ByteWriter(regions.successes ?? 128 * batch.lines.numbers.length);
  const resources = { lines: [] as number[], bytes: [] as number[], successEnds: [] as number[] };
  const invalid: InvalidLine[] = [];
  for (const line of decodeLines(batch.lines)) {
    const parsed = parseResourceLine(line, batch.level, batch.maxLineBytes, idFor);
    const bytes = line.end - line.start;
    if (parsed.kind === 'invalid') invalid.push({ line: line.number, bytes, issues: parsed.issues });
    if (parsed.kind !== 'resource') continue;
    const { resource } = parsed;
    builder.add(resource);
    resources.lines.push(line.number);
    resources.bytes.push(bytes);
    successes.write(`${successLine(line.number, resource.resourceType, resource.id, VERSION_MARK)}\n`);
    resources.successEnds.push(successes.byteLength);
  }
  return { resources: { rendered: builder.build(), successes: successes.bytes(), ...resources }, invalid };
}
