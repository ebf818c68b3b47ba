import { SetMetadata } from '@nestjs/common';
import type { FhirInteraction } from '@fhirlake/policy';
import type { Request } from 'express';
import type { ArnContext } from '../control-plane/healthlake-arn';

/** Which API a route belongs to: decides error format and which credentials apply. */
export type RouteFamily = 'control-plane' | 'fhir' | 'admin';

/** What a SMART token must grant for a FHIR route. */
export type SmartRequirement =
  | { kind: 'capabilities' }
  | { kind: 'resource'; resourceType: string; interaction: FhirInteraction; id?: string }
  | { kind: 'export'; level: 'system' | 'patient' | 'group'; types?: string[] }
  | { kind: 'export-job' };

/** The IAM action and resource a request asks for, resolved from the route and request. */
export interface AuthorizationTarget {
  /** e.g. `healthlake:DescribeFHIRDatastore`. */
  action: string;
  /** Resource ARN, or `*` for actions without a resource (create, list). */
  resource: string;
  datastoreId?: string;
  /** aws:RequestTag/* and aws:TagKeys. */
  requestTags?: Record<string, string>;
  tagKeys?: string[];
  /** Job starts: the role the job will use, needing iam:PassRole. */
  passRoleArn?: string;
  /** FHIR routes: what SMART scopes must grant; absent = SMART tokens not accepted. */
  smart?: SmartRequirement;
  /** Record allowed calls in the audit log (denials are always recorded). */
  audit: boolean;
  /** Audit resource when not the ARN, e.g. `Patient/123`. */
  auditResource?: string;
}

/** Authorization declared on a route; the global guard denies routes without one. */
export type RouteAuthorization =
  | { family: RouteFamily; mode: 'public' }
  /** Any authenticated caller (e.g. the 405 catch-all). */
  | { family: RouteFamily; mode: 'authenticated' }
  | { family: RouteFamily; mode: 'action'; resolve: (req: Request, arn: ArnContext) => AuthorizationTarget };

export const ROUTE_AUTHORIZATION = 'fhirlake:route-authorization';

/** Declares how a route is authorized (see the builders in control-plane-actions.ts and fhir-actions.ts). */
export const Authorize = (spec: RouteAuthorization) => SetMetadata(ROUTE_AUTHORIZATION, spec);

/** No authentication at all (health checks). */
export const Public = () => Authorize({ family: 'control-plane', mode: 'public' });

/** Any authenticated caller; no action checked. */
export const AuthenticatedOnly = (family: RouteFamily) => Authorize({ family, mode: 'authenticated' });

/** The request body parsed as JSON, or undefined when absent or not JSON (the handler reports that). */
export function jsonBodyOf(req: Request): Record<string, unknown> | undefined {
  if (!Buffer.isBuffer(req.body) || req.body.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(req.body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A route parameter as a string ('' when missing). */
export const paramOf = (req: Request, name: string): string => {
  const value = (req.params as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
};
