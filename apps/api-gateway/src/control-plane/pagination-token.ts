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

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
