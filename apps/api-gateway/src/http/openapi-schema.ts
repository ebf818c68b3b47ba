import { z } from 'zod';

/** OpenAPI schema of a zod schema's input, so docs and validation come from one definition. */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}
