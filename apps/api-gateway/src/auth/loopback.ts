import { isIP } from 'node:net';
import type { Request } from 'express';

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  return plain === '::1' || (isIP(plain) === 4 && plain.startsWith('127.'));
}

/**
 * True only when the TCP peer is loopback and so is the client it forwards for (Express resolves
 * X-Forwarded-For only from trusted loopback proxies), so a local reverse proxy does not turn
 * remote clients into local ones.
 */
export function isLoopbackRequest(req: Request): boolean {
  return isLoopbackAddress(req.socket.remoteAddress) && isLoopbackAddress(req.ip);
}
