import { getFreePort, spawnApp, useTestDatabase } from '@fhirlake/testing';

describe('api-gateway process', () => {
  const db = useTestDatabase();

  it('serves /health, and on SIGTERM closes cleanly with exit code 0', async () => {
    const port = await getFreePort();
    const proc = spawnApp('api-gateway', { DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'log' });
    await proc.waitForOutput(/api-gateway ready/, 60_000);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', postgres: 'up' });
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toMatch(/api-gateway received SIGTERM/);
  });

  it('refuses to start on an invalid PORT, naming the variable', async () => {
    const proc = spawnApp('api-gateway', { DATABASE_URL: db.url, PORT: 'eighty' });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/PORT/);
  });
});
