/** Identity of this deployment as it appears in ARNs. */
export interface ArnContext {
  region: string;
  accountId: string;
}

export function datastoreArn(ctx: ArnContext, datastoreId: string): string {
  return `arn:aws:healthlake:${ctx.region}:${ctx.accountId}:datastore/fhir/${datastoreId}`;
}

const DATASTORE_ARN = /^arn:aws(?:-[a-z-]+)?:healthlake:([a-z0-9-]+):(\d{12}):datastore\/fhir\/([^/]+)$/;

/** The datastore id named by an ARN of this deployment, or undefined. */
export function datastoreIdFromArn(ctx: ArnContext, arn: string): string | undefined {
  const match = DATASTORE_ARN.exec(arn);
  if (!match || match[1] !== ctx.region || match[2] !== ctx.accountId) return undefined;
  return match[3];
}
