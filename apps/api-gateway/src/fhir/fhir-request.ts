import { badRequest, isResourceType, isValidFhirId, notFound, preconditionFailed } from '@fhirlake/fhir';

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
