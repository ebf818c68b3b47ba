import { badRequest, isResourceType, parseFhirInstant } from '@fhirlake/fhir';
import { z } from 'zod';
import { dataAccessRoleArn, jobName, s3Uri, kmsKeyId } from '../control-plane/jobs/job.commands';

export const NDJSON_FORMATS = ['application/fhir+ndjson', 'application/ndjson', 'ndjson'] as const;
const KNOWN_PARAMS = new Set(['_outputFormat', '_type', '_since', '_until']);

/** HealthLake's $export body (plain JSON). */
export const bulkExportBody = z.object({
  JobName: jobName.optional(),
  OutputDataConfig: z.object({ S3Configuration: z.object({ S3Uri: s3Uri, KmsKeyId: kmsKeyId }) }),
  DataAccessRoleArn: dataAccessRoleArn,
});

export interface BulkExportParameters {
  outputFormat: string;
  types?: string[];
  since?: string;
  until?: string;
}

/** Validates the kick-off's query; anything unknown or malformed is a 400 that says what. */
export function parseBulkExportQuery(query: Record<string, unknown>): BulkExportParameters {
  const unknown = Object.keys(query).filter((k) => !KNOWN_PARAMS.has(k));
  if (unknown.length > 0) throw badRequest(`Unsupported $export parameter(s): ${unknown.join(', ')}; supported: ${[...KNOWN_PARAMS].join(', ')}`);
  const single = (name: string): string | undefined => {
    const value = query[name];
    if (Array.isArray(value)) throw badRequest(`${name} may be given only once`);
    return value === undefined ? undefined : String(value);
  };
  const outputFormat = single('_outputFormat') ?? 'application/fhir+ndjson';
  if (!(NDJSON_FORMATS as readonly string[]).includes(outputFormat)) {
    throw badRequest(`_outputFormat ${JSON.stringify(outputFormat)} is not supported; use one of ${NDJSON_FORMATS.join(', ')}`);
  }
  const typeList = single('_type');
  let types: string[] | undefined;
  if (typeList !== undefined) {
    types = [...new Set(typeList.split(',').map((t) => t.trim()))];
    const bad = types.filter((t) => !isResourceType(t));
    if (bad.length > 0 || types.length === 0) throw badRequest(`_type names unknown resource type(s): ${bad.join(', ') || '(empty)'}`);
  }
  const instant = (name: string): string | undefined => {
    const value = single(name);
    if (value === undefined) return undefined;
    const parsed = parseFhirInstant(value);
    if (!parsed || !value.includes('T')) throw badRequest(`${name} must be a FHIR instant such as 2024-01-01T00:00:00Z, got ${JSON.stringify(value.slice(0, 60))}`);
    return parsed.toISOString();
  };
  const since = instant('_since');
  const until = instant('_until');
  if (since && until && since > until) throw badRequest('_since must not be after _until');
  return { outputFormat, ...(types ? { types } : {}), ...(since ? { since } : {}), ...(until ? { until } : {}) };
}

