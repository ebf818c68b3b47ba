import { Injectable } from '@nestjs/common';
import type { AuditEventInput } from '@fhirlake/persistence';
import type { Request, Response } from 'express';
import { callerName, callerOf, claimedIdentityOf, requestIdOf } from '../auth/caller';
import { AuditLogWriter } from './audit-log.writer';

/** What is known about a call when its authorization starts. */
export interface AuditDraft {
  action: string;
  resource: string | null;
  datastoreId: string | null;
  /** Record even when allowed (control plane, FHIR writes, $export); denials are always recorded. */
  always: boolean;
}

/** Handle of one tracked call; the guard marks denials on it. */
export class AuditHandle {
  deniedReason: string | undefined;

  deny(reason: string): void {
    this.deniedReason = reason;
  }
}

const LOCATION = /\/r4\/([A-Za-z]+)\/([A-Za-z0-9.-]{1,64})\/_history\//;

/** Records a call in the audit log once its response is finished (or the client went away). */
@Injectable()
export class AuditTrail {
  constructor(private readonly writer: AuditLogWriter) {}

  track(req: Request, res: Response, draft: AuditDraft): AuditHandle {
    const handle = new AuditHandle();
    const occurredAt = new Date();
    res.once('close', () => {
      const denied = handle.deniedReason !== undefined;
      if (!denied && !draft.always) return;
      const status = res.writableFinished ? res.statusCode : 499;
      this.writer.record(this.event(req, res, draft, handle, occurredAt, status));
    });
    return handle;
  }

  private event(req: Request, res: Response, draft: AuditDraft, handle: AuditHandle, occurredAt: Date, status: number): AuditEventInput {
    const caller = callerOf(req);
    const denied = handle.deniedReason !== undefined;
    // Created resources get their server-assigned id from the Location header.
    const location = status === 201 ? LOCATION.exec(String(res.getHeader('location') ?? '')) : null;
    return {
      occurredAt,
      requestId: requestIdOf(req),
      principal: caller ? callerName(caller) : (claimedIdentityOf(req) ?? null),
      principalType: caller ? (caller.kind === 'smart' ? 'smart' : caller.kind) : 'anonymous',
      action: draft.action,
      resource: location ? `${location[1]}/${location[2]}` : draft.resource,
      datastoreId: draft.datastoreId,
      outcome: denied ? 'denied' : status >= 400 ? 'error' : 'allowed',
      httpStatus: status,
      sourceIp: req.ip ?? req.socket.remoteAddress ?? null,
      reason: handle.deniedReason ?? null,
    };
  }
}
