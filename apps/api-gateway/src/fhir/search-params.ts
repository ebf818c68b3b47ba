import { badRequest, isValidFhirId, parseFhirInstant } from '@fhirlake/fhir';
import type { LastUpdatedBound, ReferenceFilter, ResourceSearch } from '@fhirlake/persistence';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 1000;

/** Search parameters this server implements, for every resource type (also listed in the CapabilityStatement). */
export const SUPPORTED_SEARCH_PARAMS = [
  { name: '_id', type: 'token', documentation: 'Logical id; comma-separated for several' },
  { name: '_lastUpdated', type: 'date', documentation: 'meta.lastUpdated with prefixes eq, ne, gt, ge, lt, le; repeatable' },
  { name: 'patient', type: 'reference', documentation: 'Resources whose subject or patient element references this Patient' },
  { name: 'subject', type: 'reference', documentation: 'Resources whose subject element references this resource' },
] as const;

/** Result-shaping parameters accepted and honoured. */
const CONTROL_PARAMS = new Set(['_count', '_offset', '_format']);

/** Converts query parameters into a store search; unknown parameters are rejected, not ignored. */
export function parseSearch(query: Record<string, unknown>): ResourceSearch {
  const search: ResourceSearch = { count: DEFAULT_PAGE_SIZE, offset: 0 };
  for (const [name, raw] of Object.entries(query)) {
    const values = (Array.isArray(raw) ? raw : [raw]).map(String);
    switch (name) {
      case '_id':
        search.ids = values.flatMap((v) => v.split(',')).filter((id) => isValidFhirId(id));
        break;
      case '_lastUpdated':
        search.lastUpdated = values.map(parseDateBound);
        break;
      case 'patient':
        (search.references ??= []).push(...values.map((v) => referenceFilter(v, ['subject', 'patient'], 'Patient')));
        break;
      case 'subject':
        (search.references ??= []).push(...values.map((v) => referenceFilter(v, ['subject'])));
        break;
      case '_count':
        search.count = boundedInt(name, values[0], 0, MAX_PAGE_SIZE);
        break;
      case '_offset':
        search.offset = boundedInt(name, values[0], 0, 1_000_000);
        break;
      default:
        if (!CONTROL_PARAMS.has(name)) {
          const supported = [...SUPPORTED_SEARCH_PARAMS.map((p) => p.name), ...CONTROL_PARAMS].join(', ');
          throw badRequest(`Search parameter ${JSON.stringify(name)} is not supported; supported: ${supported}`);
        }
    }
  }
  return search;
}

function boundedInt(name: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest(`${name} must be an integer between ${min} and ${max}`);
  return n;
}

function referenceFilter(value: string, paths: string[], impliedType?: string): ReferenceFilter {
  const [type, id, extra] = value.includes('/') ? value.split('/') : [impliedType, value];
  if (!type || !id || extra !== undefined || !isValidFhirId(id) || (impliedType && type !== impliedType)) {
    throw badRequest(`Invalid reference search value ${JSON.stringify(value)}; expected ${impliedType ?? 'Type'}/id${impliedType ? ' or id' : ''}`);
  }
  return { paths, targetType: type, targetId: id };
}

const DATE_PREFIX = /^(eq|ne|gt|ge|lt|le)?(.+)$/;

/** A FHIR date search value as a half-open range at its own precision (2024 = the whole year). */
function parseDateBound(value: string): LastUpdatedBound {
  const [, prefix = 'eq', date] = DATE_PREFIX.exec(value) ?? [];
  const from = date ? parseFhirInstant(normalizeDate(date)) : undefined;
  if (!date || !from) throw badRequest(`Invalid _lastUpdated value ${JSON.stringify(value)}`);
  return { op: prefix as LastUpdatedBound['op'], from, to: endOfPrecision(date, from) };
}

/** Expands partial dates (2024, 2024-05, 2024-05-06) to instants parseFhirInstant accepts. */
function normalizeDate(date: string): string {
  if (/^\d{4}$/.test(date)) return `${date}-01-01T00:00:00Z`;
  if (/^\d{4}-\d{2}$/.test(date)) return `${date}-01T00:00:00Z`;
  if (/^\d{4}-\d{2}-\d{2}$/.test(date)) return `${date}T00:00:00Z`;
  return date;
}

function endOfPrecision(date: string, from: Date): Date {
  const end = new Date(from);
  if (/^\d{4}$/.test(date)) end.setUTCFullYear(end.getUTCFullYear() + 1);
  else if (/^\d{4}-\d{2}$/.test(date)) end.setUTCMonth(end.getUTCMonth() + 1);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(date)) end.setUTCDate(end.getUTCDate() + 1);
  else if (/T\d{2}:\d{2}:\d{2}\.\d+/.test(date)) end.setTime(end.getTime() + 1);
  else end.setTime(end.getTime() + 1000);
  return end;
}
