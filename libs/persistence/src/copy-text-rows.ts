import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export { COPY_NULL, copyJsonField, copyTextField } from './copy-text-format';

/** Rows in COPY text format, each ending with a newline: text, UTF-8 bytes, or runs of bytes in order. */
export type CopyTextData = string | Uint8Array | readonly Uint8Array[];

const isEmpty = (data: CopyTextData) => (Array.isArray(data) ? data.every((part: Uint8Array) => part.length === 0) : data.length === 0);

/**
 * Sends `data` with `COPY <target> FROM STDIN` on `client`; resolves once the server has accepted
 * every row.
 */
export async function copyTextRows(client: PoolClient, target: string, data: CopyTextData): Promise<void> {
  if (isEmpty(data)) return;
  const stream = client.query(copyFrom(`COPY ${target} FROM STDIN`));
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.once('finish', resolve);
    if (!Array.isArray(data)) stream.end(data);
    else {
      for (const part of data as readonly Uint8Array[]) if (part.length > 0) stream.write(part);
      stream.end();
    }
  });
}
