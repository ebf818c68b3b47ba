import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpStatus, waitFor, waitForHttp } from './wait-for';

describe('waitFor', () => {
  it('resolves with the first truthy value, treating throws as "not yet"', async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls += 1;
        if (calls === 1) throw new Error('not ready');
        return calls >= 3 ? { calls } : undefined;
      },
      { intervalMs: 5 },
    );
    expect(value).toEqual({ calls: 3 });
  });

  it('times out naming what it waited for', async () => {
    await expect(waitFor(() => false, { timeoutMs: 50, intervalMs: 10, description: 'the moon' })).rejects.toThrow(
      /Timed out after 50 ms waiting for the moon/,
    );
  });
});

describe('waitForHttp', () => {
  let server: Server;
  let ready = false;
  let url: string;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.statusCode = ready ? 200 : 503;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('waits for a 2xx answer', async () => {
    expect(await httpStatus(url)).toBe(503);
    setTimeout(() => (ready = true), 300);
    await waitForHttp(url, 5_000);
    expect(await httpStatus(url)).toBe(200);
  });

  it('fails when nothing answers', async () => {
    expect(await httpStatus('http://127.0.0.1:9/')).toBeUndefined();
    await expect(waitForHttp('http://127.0.0.1:9/', 300)).rejects.toThrow(/Timed out/);
  });
});
