import { formatPreflightProblems, runJobPreflight, type createStsClient, type JobPreflightClients, type JobPreflightEnv } from '@fhirlake/cloud';
import { validationError } from '../aws-service-error';
import type { JobPreflight, JobPreflightRequest } from './job-preflight';

/**
 * The full job preflight of `@fhirlake/cloud` (data access role trust and permissions, buckets,
 * KMS key), run synchronously in Start*Job. Every problem is listed in one ValidationException:
 * the request names a role, bucket or key that cannot be used. AccessDeniedException stays
 * reserved for the caller's own authorization, so clients can tell "you may not call this" from
 * "what you passed is not usable".
 */
export class CloudJobPreflight implements JobPreflight {
  constructor(
    private readonly env: JobPreflightEnv,
    private readonly clients: JobPreflightClients & { sts: ReturnType<typeof createStsClient> },
  ) {}

  async check(request: JobPreflightRequest): Promise<void> {
    const problems = await runJobPreflight(this.env, request, { clients: this.clients });
    if (problems.length > 0) throw validationError(formatPreflightProblems(problems));
  }
}
