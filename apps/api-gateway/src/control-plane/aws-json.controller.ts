import { Controller, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { GatewayEnv } from '@fhirlake/config';
import type { Request, Response } from 'express';
import { principalOf, requestIdOf } from '../auth/caller';
import { AwsJsonOperations } from '../auth/control-plane-actions';
import { GATEWAY_CONFIG } from '../infrastructure/tokens';
import { requestBaseUrl } from '../http/request-base-url';
import { AwsServiceError } from './aws-service-error';
import { AWS_JSON_CONTENT_TYPE, AwsJsonExceptionFilter } from './aws-json-exception.filter';
import { toAwsJson } from './aws-json-serialization';
import { AWS_OPERATION_PROVIDERS, type AwsOperationHandler, type AwsOperationProvider } from './aws-operation';

const TARGET_PREFIX = 'HealthLake.';

/**
 * The HealthLake control plane as the AWS SDK speaks it: AWS JSON 1.0, `POST /` with
 * `X-Amz-Target: HealthLake.<Operation>`.
 */
@ApiTags('HealthLake API (AWS JSON 1.0)')
@Controller()
@UseFilters(AwsJsonExceptionFilter)
export class AwsJsonController {
  private readonly handlers: ReadonlyMap<string, AwsOperationHandler>;

  constructor(
    @Inject(AWS_OPERATION_PROVIDERS) providers: AwsOperationProvider[],
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayEnv,
  ) {
    const handlers = new Map<string, AwsOperationHandler>();
    for (const provider of providers) {
      for (const [name, handler] of Object.entries(provider.operations())) {
        if (handlers.has(name)) throw new Error(`HealthLake operation ${name} has two handlers`);
        handlers.set(name, handler);
      }
    }
    this.handlers = handlers;
  }

  @Post()
  @AwsJsonOperations()
  @ApiOperation({ summary: 'Invoke a HealthLake operation (as the AWS SDK and CLI do)' })
  @ApiHeader({ name: 'X-Amz-Target', required: true, description: 'HealthLake.<Operation>, e.g. HealthLake.ListFHIRDatastores' })
  @ApiBody({ schema: { type: 'object' }, description: 'The operation input, as in the HealthLake API reference' })
  async invoke(@Req() request: Request, @Res() response: Response): Promise<void> {
    const target = request.get('x-amz-target') ?? '';
    const handler = target.startsWith(TARGET_PREFIX) ? this.handlers.get(target.slice(TARGET_PREFIX.length)) : undefined;
    if (!handler) throw new AwsServiceError('UnknownOperationException', `Unknown operation ${JSON.stringify(target)}`);
    const requestId = requestIdOf(request);
    const output = await handler(parseJsonBody(request.body), { baseUrl: requestBaseUrl(request, this.config.FHIRLAKE_PUBLIC_URL), requestId, principal: principalOf(request) });
    response.status(200).setHeader('x-amzn-RequestId', requestId).type(AWS_JSON_CONTENT_TYPE).send(JSON.stringify(toAwsJson(output)));
  }
}

function parseJsonBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsServiceError('SerializationException', 'Request body is not valid JSON');
  }
}
