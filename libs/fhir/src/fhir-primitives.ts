const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

// FHIR R4 dateTime with a time part (the form `_since` needs); timezone mandatory when a time is given.
const FHIR_DATE_TIME =
  /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$/;

/** True if `id` is a valid FHIR logical id (`[A-Za-z0-9\-.]{1,64}`). */
export function isValidFhirId(id: unknown): id is string {
  return typeof id === 'string' && FHIR_ID.test(id);
}

/**
 * Parses a FHIR `instant` or `dateTime` (e.g. `_since=2024-01-01T00:00:00Z`, or a partial date
 * like `2024-01`, taken as its start in UTC). Returns undefined if the text is not a valid FHIR value
 * or names an impossible calendar date (e.g. `2023-02-30`).
 */
export function parseFhirInstant(s: string): Date | undefined {
  if (!FHIR_DATE_TIME.test(s)) return undefined;
  const [datePart] = s.split('T');
  const [y, m = '01', d = '01'] = datePart.split('-');
  // The regex allows day 31 in every month; reject dates the calendar does not have.
  const probe = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (probe.getUTCMonth() !== Number(m) - 1 || probe.getUTCDate() !== Number(d)) return undefined;
  const date = s.includes('T') ? new Date(s) : new Date(`${y}-${m}-${d}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
