import { startMoto } from './moto-server';

/**
 * What the test run's moto saw, through its `/moto-api` (moto-only endpoints): the sessions it
 * handed out for sts:AssumeRole and, while recording, every request with its signing key. Tests
 * use them to prove which identity a worker's AWS calls were made with.
 */

const motoEndpoint = (endpoint?: string): string => {
  const url = endpoint ?? process.env.AWS_ENDPOINT_URL;
  if (!url) throw new Error('AWS_ENDPOINT_URL is not set: is the Jest global setup (moto) running?');
  return url.replace(/\/$/, '');
};

/** One session moto handed out for sts:AssumeRole. */
export interface MotoAssumedRole {
  readonly accessKeyId: string;
  readonly roleArn: string;
  readonly sessionName: string;
  readonly externalId: string | null;
}

/**
 * Every sts:AssumeRole session moto handed out so far, oldest first. moto-api/data.json dumps
 * every backend's state and fails (500) once some model in it cannot be serialized, so use it on
 * a moto of the test's own ({@link usePrivateMoto}), not the run's shared one.
 */
export async function motoAssumedRoles(endpoint?: string): Promise<MotoAssumedRole[]> {
  const res = await fetch(`${motoEndpoint(endpoint)}/moto-api/data.json`);
  if (!res.ok) throw new Error(`moto-api/data.json answered ${res.status}`);
  const data = (await res.json()) as { sts?: { AssumedRole?: Array<Record<string, string | null>> } };
  return (data.sts?.AssumedRole ?? []).map((r) => ({ accessKeyId: r.access_key_id!, roleArn: r.role_arn!, sessionName: r.session_name!, externalId: r.external_id ?? null }));
}

/** A request moto received while recording. */
export interface MotoRequest {
  readonly method: string;
  readonly url: string;
  /** From the SigV4 credential scope, e.g. `s3`, `kms`, `sts`, `iam`. */
  readonly service?: string;
  /** The access key the request was signed with. */
  readonly accessKeyId?: string;
  readonly headers: Readonly<Record<string, string>>;
}

const SIGV4_CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/;

async function motoApi(endpoint: string, action: string): Promise<Response> {
  const res = await fetch(`${endpoint}/moto-api/recorder/${action}`, { method: action === 'download-recording' ? 'GET' : 'POST' });
  if (!res.ok) throw new Error(`moto-api/recorder/${action} answered ${res.status}`);
  return res;
}

/**
 * Runs `work` while moto records every request it receives (moto's recorder; the test run's moto
 * writes its recording to a temporary file), and returns what it returned with those requests.
 * moto is shared by the whole run, so keep `work` to the calls under test (tests run in band).
 */
export async function recordMotoRequests<T>(work: () => Promise<T>, endpoint?: string): Promise<{ result: T; requests: MotoRequest[] }> {
  const base = motoEndpoint(endpoint);
  await motoApi(base, 'reset-recording');
  await motoApi(base, 'start-recording');
  let result: T;
  try {
    result = await work();
  } finally {
    await motoApi(base, 'stop-recording');
  }
  const text = await (await motoApi(base, 'download-recording')).text();
  await motoApi(base, 'reset-recording');
  const requests = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const entry = JSON.parse(line) as { method: string; url: string; headers: Record<string, string> };
      const signed = SIGV4_CREDENTIAL.exec(entry.headers.Authorization ?? entry.headers.authorization ?? '');
      return { method: entry.method, url: entry.url, headers: entry.headers, accessKeyId: signed?.[1], service: signed?.[2] };
    });
  return { result, requests };
}

/** A moto of one test file's own, in place of the run's shared one until `restore()`. */
export interface PrivateMoto {
  readonly endpoint: string;
  /** Stops it and points AWS_ENDPOINT_URL back at the run's shared moto. */
  restore(): Promise<void>;
}

/**
 * Starts a fresh moto and points AWS_ENDPOINT_URL at it (create the test bed afterwards), for tests
 * that read moto's whole state (see {@link motoAssumedRoles}) and must not depend on what earlier
 * test files left in the shared one.
 */
export async function usePrivateMoto(): Promise<PrivateMoto> {
  const shared = process.env.AWS_ENDPOINT_URL;
  const moto = await startMoto();
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  return {
    endpoint: moto.endpoint,
    async restore() {
      process.env.AWS_ENDPOINT_URL = shared;
      await moto.stop();
    },
  };
}
