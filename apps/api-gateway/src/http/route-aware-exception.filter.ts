import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Request } from 'express';
import { AwsJsonExceptionFilter } from '../control-plane/aws-json-exception.filter';
import { FhirExceptionFilter } from '../fhir/fhir-exception.filter';

/** Global fallback (unmatched routes, body errors): FHIR routes answer OperationOutcomes, the rest AWS JSON errors. */
@Catch()
export class RouteAwareExceptionFilter implements ExceptionFilter {
  private readonly fhir = new FhirExceptionFilter();
  private readonly aws = new AwsJsonExceptionFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    (isFhirPath(request.path) ? this.fhir : this.aws).catch(exception, host);
  }
}

export const isFhirPath = (path: string) => path.startsWith('/datastore/');
