import { randomUUID } from 'node:crypto';
import type { ParsedSmartScopes, PolicyDocument } from '@fhirlake/policy';
import type { Request } from 'express';

/** An IAM-style principal from the principals file (or the built-in dev admin). */
export interface IamPrincipal {
  name: string;
  arn: string;
  account: string;
  policies: readonly PolicyDocument[];
}

/** Who is calling, once authenticated. */
export type Caller =
  | { kind: 'iam'; principal: IamPrincipal; accessKeyId: string }
  /** Development mode only: unsigned (or unknown-key) loopback requests. */
  | { kind: 'dev-admin'; principal: IamPrincipal }
  | { kind: 'smart'; subject: string; issuer: string; scopes: ParsedSmartScopes; patient?: string; clientId?: string };

/** Audit/logging name of a caller: the principal ARN, or `smart:<issuer>#<subject>`. */
export function callerName(caller: Caller): string {
  return caller.kind === 'smart' ? `smart:${caller.issuer}#${caller.subject}` : caller.principal.arn;
}

interface RequestAuthState {
  requestId: string;
  caller?: Caller;
  /** Principal named in a request that failed authentication (never a secret). */
  claimedIdentity?: string;
}

const STATE = Symbol('fhirlake.auth');
type WithState = Request & { [STATE]?: RequestAuthState };

function state(req: Request): RequestAuthState {
  const r = req as WithState;
  r[STATE] ??= { requestId: randomUUID() };
  return r[STATE];
}

/** The request's id, shared by the x-amzn-RequestId header, the audit log and control-plane responses. */
export const requestIdOf = (req: Request): string => state(req).requestId;
export const callerOf = (req: Request): Caller | undefined => state(req).caller;
export const setCaller = (req: Request, caller: Caller): void => {
  state(req).caller = caller;
};
export const claimedIdentityOf = (req: Request): string | undefined => state(req).claimedIdentity;
export const setClaimedIdentity = (req: Request, identity: string): void => {
  state(req).claimedIdentity = identity;
};

/** ARN of the calling IAM principal (stored on jobs it starts), or the SMART subject. */
export function principalOf(req: Request): string | undefined {
  const caller = callerOf(req);
  return caller ? callerName(caller) : undefined;
}
