import type { Request } from 'express';
import { type ArnContext, datastoreArn, datastoreIdFromArn } from '../control-plane/healthlake-arn';
import { Authorize, jsonBodyOf, paramOf, type AuthorizationTarget } from './route-authorization';

/** HealthLake action names by AWS JSON operation (X-Amz-Target "HealthLake.<op>"). */
type OperationRule = (input: Record<string, unknown>, arn: ArnContext) => Omit<AuthorizationTarget, 'action' | 'audit'>;

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const onDatastore: OperationRule = (input, arn) => ({ resource: datastoreArn(arn, str(input.DatastoreId)), datastoreId: str(input.DatastoreId) });
const onResourceArn: OperationRule = (input, arn) => {
  const resource = str(input.ResourceARN) || datastoreArn(arn, '');
  const datastoreId = datastoreIdFromArn(arn, resource);
  return { resource, ...(datastoreId ? { datastoreId } : {}) };
};
const startJob: OperationRule = (input, arn) => ({ ...onDatastore(input, arn), passRoleArn: str(input.DataAccessRoleArn) || undefined });

function tagsOf(value: unknown): Record<string, string> {
  if (!Array.isArray(value)) return {};
  const tags: Record<string, string> = {};
  for (const tag of value as Array<{ Key?: unknown; Value?: unknown }>) if (typeof tag?.Key === 'string') tags[tag.Key] = str(tag.Value);
  return tags;
}
const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/**
 * Every HealthLake operation with its IAM action and resource. Create and List have no resource
 * (`*`), as in HealthLake's service authorization reference; the rest act on the datastore ARN.
 */
export const AWS_JSON_OPERATION_RULES: Readonly<Record<string, OperationRule>> = {
  CreateFHIRDatastore: (input) => {
    const requestTags = tagsOf(input.Tags);
    return { resource: '*', requestTags, tagKeys: Object.keys(requestTags) };
  },
  ListFHIRDatastores: () => ({ resource: '*' }),
  DescribeFHIRDatastore: onDatastore,
  DeleteFHIRDatastore: onDatastore,
  TagResource: (input, arn) => {
    const requestTags = tagsOf(input.Tags);
    return { ...onResourceArn(input, arn), requestTags, tagKeys: Object.keys(requestTags) };
  },
  UntagResource: (input, arn) => ({ ...onResourceArn(input, arn), tagKeys: stringList(input.TagKeys) }),
  ListTagsForResource: onResourceArn,
  StartFHIRImportJob: startJob,
  DescribeFHIRImportJob: onDatastore,
  ListFHIRImportJobs: onDatastore,
  StartFHIRExportJob: startJob,
  DescribeFHIRExportJob: onDatastore,
  ListFHIRExportJobs: onDatastore,
};

const TARGET_PREFIX = 'HealthLake.';

/**
 * POST / (AWS JSON): the action comes from X-Amz-Target and the resource from the body. An unknown
 * operation is authorized as `healthlake:<name>` on `*`, so only callers allowed everything learn
 * that it does not exist.
 */
export const AwsJsonOperations = () =>
  Authorize({
    family: 'control-plane',
    mode: 'action',
    resolve: (req, arn) => {
      const target = req.get('x-amz-target') ?? '';
      const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      const rule = Object.prototype.hasOwnProperty.call(AWS_JSON_OPERATION_RULES, operation) ? AWS_JSON_OPERATION_RULES[operation] : undefined;
      const name = /^[A-Za-z0-9]{1,64}$/.test(operation) ? operation : 'UnknownOperation';
      return { action: `healthlake:${name}`, audit: true, ...(rule ? rule(jsonBodyOf(req) ?? {}, arn) : { resource: '*' }) };
    },
  });

type RestRule = (req: Request, arn: ArnContext) => Omit<AuthorizationTarget, 'action' | 'audit'>;

const datastoreParam: RestRule = (req, arn) => ({ resource: datastoreArn(arn, paramOf(req, 'datastoreId')), datastoreId: paramOf(req, 'datastoreId') });

/** REST twins of the HealthLake operations; `rule` defaults to the datastore in the path. */
export const ControlPlaneAction = (operation: string, rule: RestRule = datastoreParam) =>
  Authorize({ family: 'control-plane', mode: 'action', resolve: (req, arn) => ({ action: `healthlake:${operation}`, audit: true, ...rule(req, arn) }) });

export const noResource: RestRule = () => ({ resource: '*' });
export const createDatastoreRule: RestRule = (req) => AWS_JSON_OPERATION_RULES.CreateFHIRDatastore!(jsonBodyOf(req) ?? {}, {} as ArnContext);
export const tagRule: RestRule = (req, arn) => {
  const requestTags = tagsOf(jsonBodyOf(req)?.Tags);
  return { ...datastoreParam(req, arn), requestTags, tagKeys: Object.keys(requestTags) };
};
export const untagRule: RestRule = (req, arn) => {
  const keys = req.query.tagKeys;
  return { ...datastoreParam(req, arn), tagKeys: Array.isArray(keys) ? keys.map(String) : typeof keys === 'string' ? [keys] : [] };
};
export const startJobRule: RestRule = (req, arn) => ({ ...datastoreParam(req, arn), passRoleArn: str(jsonBodyOf(req)?.DataAccessRoleArn) || undefined });
