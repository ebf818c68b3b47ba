import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

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

/**
 * Sends `data` (rows in COPY text format, each ending with a newline) with
 * `COPY <target> FROM STDIN` on `client`; resolves once the server has accepted every row.
 */
export async function copyTextRows(client: PoolClient, target: string, data: string): Promise<void> {
  if (data === '') return;
  const stream = client.query(copyFrom(`COPY ${target} FROM STDIN`));
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.once('finish', resolve);
    stream.end(data);
  });
}
