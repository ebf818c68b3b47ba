import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { GatewayEnv } from '@fhirlake/config';
import { GATEWAY_CONFIG } from '../infrastructure/tokens';
import { parsePrincipalsFile, type AccessKey, type ConfiguredPrincipal } from './principals-file';

/** A principal with the access key a request was signed with. */
export interface PrincipalKey {
  principal: ConfiguredPrincipal;
  key: AccessKey;
}

/**
 * The principals of FHIRLAKE_PRINCIPALS_FILE, indexed by access key id. Loaded at boot (an invalid
 * file stops the gateway); reloaded on SIGHUP, keeping the current set if the new file is invalid.
 */
@Injectable()
export class PrincipalRegistry implements OnApplicationShutdown {
  private readonly logger = new Logger('Principals');
  private byAccessKey: ReadonlyMap<string, PrincipalKey> = new Map();
  private readonly onHangup = () => this.reload();

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayEnv) {
    const file = config.FHIRLAKE_PRINCIPALS_FILE;
    if (file) {
      this.byAccessKey = this.load(file);
      process.on('SIGHUP', this.onHangup);
    } else if (config.FHIRLAKE_AUTH_MODE === 'enforce') {
      this.logger.warn('FHIRLAKE_PRINCIPALS_FILE is not set: no access key is accepted (SMART tokens only)');
    }
  }

  find(accessKeyId: string): PrincipalKey | undefined {
    return this.byAccessKey.get(accessKeyId);
  }

  /** Re-reads the file; on error logs why and keeps serving the previous principals. Returns success. */
  reload(): boolean {
    const file = this.config.FHIRLAKE_PRINCIPALS_FILE;
    if (!file) return false;
    try {
      this.byAccessKey = this.load(file);
      return true;
    } catch (error) {
      this.logger.error(`Kept the previous principals; reload failed: ${(error as Error).message}`);
      return false;
    }
  }

  onApplicationShutdown(): void {
    process.off('SIGHUP', this.onHangup);
  }

  private load(file: string): ReadonlyMap<string, PrincipalKey> {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`Cannot read FHIRLAKE_PRINCIPALS_FILE ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const principals = parsePrincipalsFile(text, file);
    const map = new Map<string, PrincipalKey>();
    for (const principal of principals) for (const key of principal.accessKeys) map.set(key.accessKeyId, { principal, key });
    this.logger.log(`Loaded ${principals.length} principal(s) with ${map.size} access key(s) from ${file}`);
    return map;
  }
}
