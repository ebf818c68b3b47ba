import { epochSeconds } from './aws-json-values';

/** Renders a response for the AWS JSON 1.0 protocol: Dates become epoch seconds, undefined members vanish. */
export function toAwsJson(value: unknown): unknown {
  if (value instanceof Date) return epochSeconds(value);
  if (Array.isArray(value)) return value.map(toAwsJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toAwsJson(v)]));
  }
  return value;
}
