import { badRequest, FhirError, isResourceType, isValidFhirId, notFound, preconditionFailed } from '@fhirlake/fhir';
import type { Request } from 'express';

const FHIR_JSON_TYPES = /^application\/(fhir\+json|json\+fhir|json)\s*(;|$)/i;

/** FHIR writes take JSON only (application/fhir+json or application/json); anything else is 415. Returns the body. */
export function requireFhirJsonContentType(req: Request): unknown {
  const type = req.get('content-type') ?? '';
  if (!FHIR_JSON_TYPES.test(type.trim())) {
    const shown = type ? JSON.stringify(type.slice(0, 60)) : 'none';
    throw new FhirError(415, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported', diagnostics: `Unsupported Content-Type ${shown}; send application/fhir+json` }] });
  }
  return req.body;
}

/** Parses a FHIR JSON body; malformed JSON is a 400 OperationOutcome. */
export function parseFhirJson(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) throw badRequest('The request has no body; a FHIR resource in JSON is required');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`The body is not valid JSON: ${(error as Error).message}`, undefined, 'structure');
  }
}

export function requireResourceType(type: string): string {
  if (!isResourceType(type)) throw notFound(`Unknown resource type ${JSON.stringify(type)}`);
  return type;
}

export function requireId(id: string): string {
  if (!isValidFhirId(id)) throw badRequest(`Invalid id ${JSON.stringify(String(id).slice(0, 100))}; ids match [A-Za-z0-9-.]{1,64}`);
  return id;
}

/** The version an `If-Match` header asks for: W/"3" or "3". */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
  if (!match) throw preconditionFailed(`If-Match must be a version ETag like W/"3", got ${JSON.stringify(header.slice(0, 50))}`);
  return Number(match[1]);
}

export const versionEtag = (versionId: number) => `W/"${versionId}"`;
