import { buildHandlerRegistry, type JobHandler } from './job-handler-registry';

const handler = (queue: string, jobName: string): JobHandler => ({ queue, jobName, handle: async () => undefined });
const names = { q1: ['a', 'b'], q2: ['c'] };

describe('buildHandlerRegistry (boot check)', () => {
  it('maps every job name of the queues to its one handler', () => {
    const registry = buildHandlerRegistry(['q1', 'q2'], [handler('q1', 'a'), handler('q1', 'b'), handler('q2', 'c')], names);
    expect([...registry.get('q1')!.keys()]).toEqual(['a', 'b']);
    expect(registry.get('q2')!.get('c')).toMatchObject({ jobName: 'c' });
  });

  it('refuses a job name without a handler, with two handlers, or a handler for a name the queue does not carry', () => {
    expect(() => buildHandlerRegistry(['q1'], [handler('q1', 'a')], names)).toThrow('job b on queue q1 has 0 handlers (exactly 1 required)');
    expect(() => buildHandlerRegistry(['q2'], [handler('q2', 'c'), handler('q2', 'c')], names)).toThrow('job c on queue q2 has 2 handlers');
    expect(() => buildHandlerRegistry(['q2'], [handler('q2', 'c'), handler('q2', 'x')], names)).toThrow('handler for x on queue q2 serves no job name');
    expect(() => buildHandlerRegistry(['q3'], [], names)).toThrow('unknown queue q3');
  });

  it('accepts the exporter queues with the real job names', () => {
    expect(() => buildHandlerRegistry(['fhirlake-export', 'fhirlake-export-part'], [handler('fhirlake-export', 'export.run'), handler('fhirlake-export-part', 'export.part')])).not.toThrow();
  });
});
