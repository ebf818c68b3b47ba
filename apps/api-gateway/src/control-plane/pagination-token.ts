import { createHmac, timingSafeEqual } from 'node:crypto';
import { validationError } from './aws-service-error';

/**
 * Opaque, tamper-evident NextToken: base64url(JSON payload) + "." + HMAC-SHA256. The payload binds
 * the list's scope (filters), so a token from one query cannot page another.
 */
export class PaginationTokens {
  constructor(private readonly key: Buffer) {}

  issue(scope: string, position: Record<string, unknown>): string {
    const payload = Buffer.from(JSON.stringify({ s: scope, p: position })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The position encoded in `token`; ValidationException if forged, corrupted or from another query. */
  verify<T extends Record<string, unknown>>(scope: string, token: string): T {
    const [payload, signature, extra] = token.split('.');
    const expected = payload ? this.sign(payload) : '';
    const valid =
      extra === undefined &&
      !!signature &&
      signature.length === expected.length &&
      timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
    if (!valid) throw validationError('NextToken is invalid or was issued for a different request');
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { s: string; p: T };
    if (decoded.s !== scope) throw validationError('NextToken was issued for a different request');
    return decoded.p;
  }

  /**
   * One page of a newest-first keyset listing over (time, id): verifies `nextToken` into the
   * position to resume after, fetches one row beyond the page to learn whether another follows,
   * and issues the token for it.
   */
  async keysetPage<Row>(
    scope: string,
    nextToken: string | undefined,
    limit: number,
    fetch: (after: { at: Date; id: string } | undefined, take: number) => Promise<Row[]>,
    positionOf: (row: Row) => { at: Date; id: string },
  ): Promise<{ rows: Row[]; nextToken?: string }> {
    const after = nextToken ? this.verify<{ t: string; i: string }>(scope, nextToken) : undefined;
    const rows = await fetch(after && { at: new Date(after.t), id: after.i }, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    if (rows.length <= limit || !last) return { rows: page };
    const { at, id } = positionOf(last);
    return { rows: page, nextToken: this.issue(scope, { t: at.toISOString(), i: id }) };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
