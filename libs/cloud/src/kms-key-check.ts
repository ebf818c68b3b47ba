import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';

/** Why a KMS key cannot protect job output, or undefined when it can. */
export async function kmsKeyProblem(kms: KMSClient, keyId: string): Promise<string | undefined> {
  try {
    const { KeyMetadata: key } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    if (!key) return `KMS key ${keyId} was not found`;
    // Checked here because S3 emulators accept any key id and ignore disabled keys.
    if (key.KeyState !== 'Enabled' || key.Enabled === false) return `KMS key ${keyId} is not enabled (state ${key.KeyState ?? 'unknown'})`;
    if (key.KeyUsage && key.KeyUsage !== 'ENCRYPT_DECRYPT') return `KMS key ${keyId} has usage ${key.KeyUsage}; ENCRYPT_DECRYPT is required`;
    if (key.KeySpec && key.KeySpec !== 'SYMMETRIC_DEFAULT') return `KMS key ${keyId} is ${key.KeySpec}; a symmetric key (SYMMETRIC_DEFAULT) is required`;
    return undefined;
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error';
    if (name === 'NotFoundException') return `KMS key ${keyId} was not found`;
    return `KMS key ${keyId} cannot be described (${name}: ${(error as Error).message})`;
  }
}
