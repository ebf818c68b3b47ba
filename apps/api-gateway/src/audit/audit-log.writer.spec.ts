import { Logger } from '@nestjs/common';
import type { AuditEventInput, AuditLogRepository } from '@fhirlake/persistence';
import { AuditLogWriter } from './audit-log.writer';

const event = (n: number): AuditEventInput => ({
  occurredAt: new Date('2026-01-01T00:00:00Z'),
  requestId: `req-${n}`,
  principal: 'arn:aws:iam::000000000000:user/admin',
  principalType: 'iam',
  action: 'healthlake:CreateResource',
  resource: `Patient/p${n}`,
  datastoreId: null,
  outcome: 'allowed',
  httpStatus: 201,
  sourceIp: '127.0.0.1',
  reason: null,
});

describe('AuditLogWriter', () => {
  it('appends recorded events in batches after the caller moved on', async () => {
    const batches: AuditEventInput[][] = [];
    const writer = new AuditLogWriter({ append: async (events: AuditEventInput[]) => void batches.push([...events]) } as unknown as AuditLogRepository);
    for (let i = 0; i < 3; i++) writer.record(event(i));
    expect(batches).toEqual([]); // nothing written on the request path
    await writer.drain();
    expect(batches.flat().map((e) => e.requestId)).toEqual(['req-0', 'req-1', 'req-2']);
  });

  it('retries, then logs every event it could not write (never silently lost)', async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void errors.push(String(message)));
    let calls = 0;
    const writer = new AuditLogWriter({
      append: async () => {
        calls++;
        throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
      },
    } as unknown as AuditLogRepository);
    writer.record(event(1));
    writer.record(event(2));
    await writer.drain();
    spy.mockRestore();
    expect(calls).toBe(3);
    expect(errors).toEqual([
      expect.stringMatching(/^Audit event NOT written \(ECONNREFUSED\): .* request req-1 .* healthlake:CreateResource Patient\/p1 allowed 201/),
      expect.stringMatching(/request req-2/),
    ]);
  });
});
