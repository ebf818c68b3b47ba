import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';

/** What {@link resolveKmsKey} learnt about a key id, alias or ARN. */
export interface ResolvedKmsKey {
  /** The key's ARN (aliases resolved), when the key exists. */
  readonly keyArn?: string;
  /** Why the key cannot protect job output, or undefined when it can. */
  readonly problem?: string;
}

/**
 * Describes a key (id, ARN, alias name or alias ARN) once: its ARN, needed to check the data
 * access role's KMS permissions, and whether it is usable: exists, Enabled, symmetric
 * ENCRYPT_DECRYPT. Disabled or pending-deletion keys fail.
 */
export async function resolveKmsKey(kms: KMSClient, keyId: string): Promise<ResolvedKmsKey> {
  try {
    const { KeyMetadata: key } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    if (!key) return { problem: `KMS key ${keyId} was not found` };
    const keyArn = key.Arn;
    // Checked here because S3 emulators accept any key id and ignore disabled keys.
    if (key.KeyState !== 'Enabled' || key.Enabled === false) return { keyArn, problem: `KMS key ${keyId} is not enabled (state ${key.KeyState ?? 'unknown'})` };
    if (key.KeyUsage && key.KeyUsage !== 'ENCRYPT_DECRYPT') return { keyArn, problem: `KMS key ${keyId} has usage ${key.KeyUsage}, not ENCRYPT_DECRYPT` };
    if (key.KeySpec && key.KeySpec !== 'SYMMETRIC_DEFAULT') return { keyArn, problem: `KMS key ${keyId} is ${key.KeySpec}, not a symmetric key (SYMMETRIC_DEFAULT)` };
    return { keyArn };
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error';
    if (name === 'NotFoundException') return { problem: `KMS key ${keyId} was not found` };
    return { problem: `KMS key ${keyId} cannot be described (${name}: ${(error as Error).message})` };
  }
}

/** Why a KMS key cannot protect job output, or undefined when it can. */
export async function kmsKeyProblem(kms: KMSClient, keyId: string): Promise<string | undefined> {
  return (await resolveKmsKey(kms, keyId)).problem;
}
