/** A single request-context value. Dates become ISO strings, booleans `"true"`/`"false"`. */
export type ContextScalar = string | number | boolean | Date;

/** A request-context value; arrays model multi-valued keys such as `aws:TagKeys`. */
export type ContextValue = ContextScalar | readonly ContextScalar[] | null | undefined;

/** Request context as supplied by callers, e.g. `{ 'aws:SourceAccount': '123456789012' }`. */
export type RequestContext = Readonly<Record<string, ContextValue>>;

/** Context normalised for evaluation: lower-cased keys, string values. */
export type NormalizedContext = ReadonlyMap<string, readonly string[]>;

function scalarToString(value: ContextScalar): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * Lower-cases keys (condition keys are case-insensitive) and stringifies values.
 * `null`/`undefined` values are treated as absent keys.
 */
export function normalizeContext(context: RequestContext | undefined): NormalizedContext {
  const map = new Map<string, string[]>();
  for (const [key, value] of Object.entries(context ?? {})) {
    if (value === null || value === undefined) continue;
    const values = Array.isArray(value) ? (value as readonly ContextScalar[]).map(scalarToString) : [scalarToString(value as ContextScalar)];
    const lower = key.toLowerCase();
    map.set(lower, [...(map.get(lower) ?? []), ...values]);
  }
  return map;
}

/** Returns a copy of `context` with `defaults` added for keys it does not already hold. */
export function withDefaults(context: NormalizedContext, defaults: Record<string, string | undefined>): NormalizedContext {
  const map = new Map(context);
  for (const [key, value] of Object.entries(defaults)) {
    const lower = key.toLowerCase();
    if (value !== undefined && !map.has(lower)) map.set(lower, [value]);
  }
  return map;
}
