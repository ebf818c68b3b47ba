import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { WORKER_ENV, WORKER_ID, WORKER_REDIS } from '@fhirlake/coordination';
import type { BaseEnv } from '@fhirlake/config';
import { QUEUES, redisKeys } from '@fhirlake/jobs';
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobAdmissionService } from './job-admission.service';
import { LeaderElection } from './leader-election';

export const COORDINATOR_TICK_MS = Symbol('COORDINATOR_TICK_MS');
const LEADER_TTL_MS = 5_000;

/**
 * Runs reconciliation on the leader replica: every tick (the periodic safety net), and at once
 * when a worker finishes or fails a run (BullMQ queue events), so the next queued job starts
 * without waiting. Losing an event only delays admission until the next tick.
 */
@Injectable()
export class CoordinatorLoopService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Coordinator');
  private readonly election: LeaderElection;
  private readonly queueEvents: QueueEvents[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private rerun = false;
  private stopped = false;

  constructor(
    private readonly admission: JobAdmissionService,
    @Inject(WORKER_REDIS) private readonly redis: Redis,
    @Inject(WORKER_ENV) private readonly env: BaseEnv,
    @Inject(WORKER_ID) workerId: string,
    @Inject(COORDINATOR_TICK_MS) private readonly tickMs: number,
  ) {
    this.election = new LeaderElection(redis, redisKeys(env.REDIS_PREFIX).coordinatorLeader, workerId, LEADER_TTL_MS);
  }

  async onApplicationBootstrap(): Promise<void> {
    const prefix = redisKeys(this.env.REDIS_PREFIX).bullPrefix;
    for (const name of [QUEUES.import, QUEUES.export]) {
      const events = new QueueEvents(name, { connection: this.redis.duplicate(), prefix });
      events.on('completed', () => this.trigger());
      events.on('failed', () => this.trigger());
      this.queueEvents.push(events);
    }
    this.timer = setInterval(() => this.trigger(), this.tickMs);
    this.trigger();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    await Promise.allSettled(this.queueEvents.map((e) => e.close()));
    await this.election.resign().catch(() => undefined);
  }

  isLeader(): boolean {
    return this.election.isLeader();
  }

  /** Runs a pass now, or right after the one in progress. */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.rerun) {
        this.rerun = false;
        this.trigger();
      }
    });
  }

  private async pass(): Promise<void> {
    try {
      const wasLeader = this.election.isLeader();
      const leader = await this.election.poll();
      if (leader !== wasLeader) this.logger.log(leader ? 'This replica is now the leader' : 'This replica lost leadership');
      if (leader && !this.stopped) await this.admission.reconcile();
    } catch (error) {
      this.logger.error(`Reconciliation failed; retrying next tick: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
