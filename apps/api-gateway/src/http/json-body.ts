import { validationError } from '../control-plane/aws-service-error';

/** Parses a raw JSON request body (bodies arrive as Buffers so each API can word its own parse errors). */
export function parseJsonBuffer(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw validationError('Request body is not valid JSON');
  }
}
