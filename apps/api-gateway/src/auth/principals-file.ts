import { parseArn, parsePolicyDocument, PolicyValidationError, type PolicyDocument } from '@fhirlake/policy';
import { z } from 'zod';

/** One access key of a principal. */
export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, requests must carry this X-Amz-Security-Token. */
  sessionToken?: string;
}

/** A principal as loaded from the principals file; policies already parsed. */
export interface ConfiguredPrincipal {
  name: string;
  arn: string;
  account: string;
  accessKeys: readonly AccessKey[];
  policies: readonly PolicyDocument[];
}

const accessKeySchema = z.object({
  accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/, 'must be 16-128 upper-case letters and digits'),
  secretAccessKey: z.string().min(16, 'must be at least 16 characters').max(256),
  sessionToken: z.string().min(1).optional(),
});

const principalSchema = z.object({
  name: z.string().regex(/^[\w+=,.@-]{1,64}$/, 'must be 1-64 characters of letters, digits and +=,.@_-'),
  arn: z.string().regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:.+$/, 'must be an IAM or STS ARN such as arn:aws:iam::000000000000:user/admin'),
  accessKeys: z.array(accessKeySchema).min(1),
  policies: z.array(z.unknown()).default([]),
});

const fileSchema = z.object({ principals: z.array(principalSchema) });

/** Thrown for an invalid principals file; names the bad entry, never echoes secrets. */
export class PrincipalsFileError extends Error {
  override name = 'PrincipalsFileError';
}

/**
 * Validates the principals file text: schema, identity policies, unique names and access key ids.
 * Error messages name the entry (`principals[2] "reader".policies[0]: ...`) but never a value.
 */
export function parsePrincipalsFile(text: string, source: string): ConfiguredPrincipal[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new PrincipalsFileError(`${source}: not valid JSON`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${describePath(raw, issue.path)}: ${issue.message}`);
    throw new PrincipalsFileError(`${source}: ${problems.join('; ')}`);
  }
  const names = new Set<string>();
  const keyIds = new Set<string>();
  return parsed.data.principals.map((entry, i) => {
    const at = `principals[${i}] "${entry.name}"`;
    if (names.has(entry.name)) throw new PrincipalsFileError(`${source}: ${at}: duplicate principal name`);
    names.add(entry.name);
    for (const [k, key] of entry.accessKeys.entries()) {
      if (keyIds.has(key.accessKeyId)) throw new PrincipalsFileError(`${source}: ${at}.accessKeys[${k}]: access key id used twice`);
      keyIds.add(key.accessKeyId);
    }
    const policies = entry.policies.map((policy, p) => {
      try {
        return parsePolicyDocument(policy as Parameters<typeof parsePolicyDocument>[0], { kind: 'identity' });
      } catch (error) {
        const detail = error instanceof PolicyValidationError ? error.message : 'invalid policy';
        throw new PrincipalsFileError(`${source}: ${at}.policies[${p}]: ${detail}`);
      }
    });
    const account = parseArn(entry.arn)?.account ?? '';
    return { name: entry.name, arn: entry.arn, account, accessKeys: entry.accessKeys, policies };
  });
}

/** `principals[1] "reader".accessKeys[0].secretAccessKey`, naming the entry but not the value. */
function describePath(raw: unknown, path: ReadonlyArray<PropertyKey>): string {
  if (path[0] !== 'principals' || typeof path[1] !== 'number') return path.map(String).join('.') || '(root)';
  const entry = (raw as { principals?: Array<{ name?: unknown }> }).principals?.[path[1]];
  const name = typeof entry?.name === 'string' ? ` "${entry.name.slice(0, 64)}"` : '';
  const rest = path.slice(2).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return `principals[${path[1]}]${name}${rest}`;
}
