import { FHIR_R4_RESOURCE_TYPES } from '@fhirlake/fhir';
import { z } from 'zod';

const instant = z.iso.datetime({ offset: true, local: false });

/** fhir_job.export_request as the control plane stores it; absent or empty = system export of every type. */
export const exportRequestSchema = z.object({
  scope: z.enum(['SYSTEM', 'PATIENT', 'GROUP']).default('SYSTEM'),
  groupId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/).optional(),
  types: z.array(z.string()).optional(),
  since: instant.optional(),
  until: instant.optional(),
  outputFormat: z.string().optional(),
  requestUrl: z.string().optional(),
});

export type ExportRequest = z.infer<typeof exportRequestSchema>;

/** The job's export request, or a message saying what is wrong with it. */
export function parseExportRequest(raw: unknown): { request: ExportRequest } | { problem: string } {
  const parsed = exportRequestSchema.safeParse(raw ?? {});
  if (!parsed.success) return { problem: `Invalid export request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
  const request = parsed.data;
  if (request.scope === 'GROUP' && !request.groupId) return { problem: 'Invalid export request: a Group export needs a groupId' };
  const unknown = (request.types ?? []).filter((t) => !(FHIR_R4_RESOURCE_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) return { problem: `Invalid export request: unknown resource types ${unknown.join(', ')}` };
  if (request.since && request.until && Date.parse(request.since) > Date.parse(request.until)) return { problem: 'Invalid export request: since is after until' };
  return { request };
}

/** Types to export among `available`: all of them, or those the request names. */
export function selectTypes(request: ExportRequest, available: readonly string[]): string[] {
  const wanted = request.types && request.types.length > 0 ? new Set(request.types) : undefined;
  return available.filter((t) => !wanted || wanted.has(t)).sort();
}
