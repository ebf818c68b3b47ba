import { spawnApp, useTestDatabase } from '@fhirlake/testing';

describe.each(['job-coordinator', 'importer', 'exporter'])('%s process', (app) => {
  const db = useTestDatabase();

  it('connects to Postgres and Redis, logs readiness, and exits 0 on SIGTERM', async () => {
    const proc = spawnApp(app, { DATABASE_URL: db.url, LOG_LEVEL: 'log', REDIS_PREFIX: `fhirlake-test-${process.pid}` });
    await proc.waitForOutput(new RegExp(`${app} ready`), 60_000);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toMatch(new RegExp(`${app} received SIGTERM[\\s\\S]*${app} stopped`));
  });

  it('refuses to start with invalid configuration, naming the variable', async () => {
    const proc = spawnApp(app, { DATABASE_URL: db.url, REDIS_URL: 'http://not-redis' });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/REDIS_URL/);
  });

  it('fails with a clear error when Postgres is unreachable', async () => {
    const proc = spawnApp(app, { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere' });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(new RegExp(`${app} failed to start`));
  });
});
