import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { AuditLogRepository, type AuditEventInput } from '@fhirlake/persistence';

const BATCH_SIZE = 200;
const ATTEMPTS = 3;

/**
 * Writes audit events off the request path: events are queued and appended in batches right after
 * the response. A batch that cannot be written after retries is logged as an error (event metadata
 * only, which holds no PHI), so no event is lost silently. Drained before shutdown.
 */
@Injectable()
export class AuditLogWriter implements BeforeApplicationShutdown {
  private readonly logger = new Logger('AuditLog');
  private queue: AuditEventInput[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly repository: AuditLogRepository) {}

  record(event: AuditEventInput): void {
    this.queue.push(event);
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flushAll());
  }

  /** Resolves once every event recorded so far is written (or reported as lost). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  private async flushAll(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, BATCH_SIZE);
        this.queue = this.queue.slice(batch.length);
        await this.write(batch);
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async write(batch: AuditEventInput[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.repository.append(batch);
        return;
      } catch (error) {
        if (attempt < ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
          continue;
        }
        const code = (error as { code?: string }).code ?? (error as Error).name;
        for (const e of batch) {
          this.logger.error(
            `Audit event NOT written (${code}): ${e.occurredAt.toISOString()} request ${e.requestId} ${e.principal ?? '-'} ${e.action} ${e.resource ?? '-'} ${e.outcome} ${e.httpStatus} from ${e.sourceIp ?? '-'}`,
          );
        }
        return;
      }
    }
  }
}
