import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export { COPY_NULL, copyJsonField, copyTextField, pieceAt } from './copy-text-format';

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
