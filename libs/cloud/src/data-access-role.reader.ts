import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { DataAccessRoleDocuments, RolePolicy } from './data-access-role.check';

/** The role's documents, or why they cannot be read. */
export type DataAccessRoleRead = { ok: true; role: DataAccessRoleDocuments } | { ok: false; problem: string };

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/;

/** IAM returns policy documents URL-encoded (RFC 3986); some emulators return them raw. */
export function decodePolicyDocument(text: string): string {
  return text.trimStart().startsWith('{') ? text : decodeURIComponent(text);
}

const describeError = (error: unknown): string => {
  const e = error as { name?: string; message?: string };
  return `${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
};

async function listAll<T>(page: (marker: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  do {
    const { items, next } = await page(marker);
    all.push(...items);
    marker = next;
  } while (marker);
  return all;
}

async function inlinePolicies(iam: IAMClient, roleName: string): Promise<RolePolicy[]> {
  const names = await listAll(async (Marker) => {
    const out = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName, Marker }));
    return { items: out.PolicyNames ?? [], next: out.IsTruncated ? out.Marker : undefined };
  });
  return Promise.all(
    names.map(async (name) => {
      const out = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }));
      return { name, kind: 'inline' as const, document: decodePolicyDocument(out.PolicyDocument ?? '') };
    }),
  );
}

async function managedPolicies(iam: IAMClient, roleName: string): Promise<RolePolicy[]> {
  const attached = await listAll(async (Marker) => {
    const out = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName, Marker }));
    return { items: out.AttachedPolicies ?? [], next: out.IsTruncated ? out.Marker : undefined };
  });
  return Promise.all(
    attached.map(async ({ PolicyArn }) => {
      const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn }));
      const { PolicyVersion } = await iam.send(new GetPolicyVersionCommand({ PolicyArn, VersionId: Policy?.DefaultVersionId }));
      return { name: PolicyArn ?? '?', kind: 'managed' as const, document: decodePolicyDocument(PolicyVersion?.Document ?? '') };
    }),
  );
}

/**
 * Reads a data access role through IAM: `GetRole` (trust policy), its inline policies
 * (`ListRolePolicies` + `GetRolePolicy`) and attached managed policies (`ListAttachedRolePolicies`
 * + `GetPolicy` + `GetPolicyVersion` of the default version), all pages. The role must be the one
 * the ARN names exactly (same account and path), else it "does not exist" as far as the job goes.
 */
export async function readDataAccessRole(iam: IAMClient, roleArn: string): Promise<DataAccessRoleRead> {
  const match = ROLE_ARN.exec(roleArn);
  if (!match) return { ok: false, problem: `Data access role ${roleArn} is not a valid IAM role ARN` };
  const roleName = match[1];
  try {
    const { Role: role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    if (!role || role.Arn !== roleArn) return { ok: false, problem: `Data access role ${roleArn} does not exist` };
    const [inline, managed] = await Promise.all([inlinePolicies(iam, roleName), managedPolicies(iam, roleName)]);
    const trustPolicy = decodePolicyDocument(role.AssumeRolePolicyDocument ?? '');
    return { ok: true, role: { arn: roleArn, trustPolicy, policies: [...inline, ...managed] } };
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchEntityException') return { ok: false, problem: `Data access role ${roleArn} does not exist` };
    return { ok: false, problem: `Data access role ${roleArn} cannot be read (${describeError(error)})` };
  }
}
