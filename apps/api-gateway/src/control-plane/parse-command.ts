import type { z } from 'zod';
import { validationError } from './aws-service-error';

/** Validates a control-plane request against its schema; the error names every bad field. */
export function parseCommand<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'request';
    return `${field}: ${issue.message}`;
  });
  throw validationError(`${result.error.issues.length} validation error(s) detected: ${problems.join('; ')}`);
}
