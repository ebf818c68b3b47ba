// COPY text format escaping: pure string functions (no pg), usable on any thread.

/** COPY text format's NULL marker. */
export const COPY_NULL = '\\N';

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes one value for COPY's text format (backslash, newline, carriage return and tab). */
export function copyTextField(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]) : value;
}

/**
 * Escapes JSON.stringify output for COPY's text format. Serialized JSON holds no raw newline, CR
 * or tab (they are escaped inside strings, and there is no whitespace between tokens), so only
 * backslashes need doubling.
 */
export function copyJsonField(json: string): string {
  return json.includes('\\') ? json.replace(/\\/g, '\\\\') : json;
}
