import { randomBytes } from 'node:crypto';
import type { PrismaClient } from './prisma-client';

/** Secrets generated once and shared by every replica through the database. */
export class ServerSecretRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** The named 32-byte secret, created on first use (concurrent creators agree on one value). */
  async getOrCreate(name: string): Promise<Buffer> {
    await this.prisma.$executeRaw`INSERT INTO server_secret (name, value) VALUES (${name}, ${randomBytes(32)}) ON CONFLICT (name) DO NOTHING`;
    const row = await this.prisma.serverSecret.findUniqueOrThrow({ where: { name } });
    return Buffer.from(row.value);
  }
}
