import type { Request } from 'express';

/** The scheme://host[:port] clients use to reach us: the configured public URL, else the request's own. */
export function requestBaseUrl(request: Request, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  return `${request.protocol}://${request.get('host') ?? 'localhost'}`;
}
