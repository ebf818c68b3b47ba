import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { FhirError, badRequest, methodNotAllowed, notFound, payloadTooLarge, serverError } from '@fhirlake/fhir';
import type { Response } from 'express';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Renders any error on a FHIR route as an OperationOutcome with the matching status. */
@Catch()
export class FhirExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('FhirApi');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const error = this.toFhirError(exception);
    response.status(error.status).type(FHIR_JSON).send(JSON.stringify(error.outcome));
  }

  private toFhirError(exception: unknown): FhirError {
    if (exception instanceof FhirError) return exception;
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      switch (exception.getStatus()) {
        case 404:
          return notFound('Unknown FHIR endpoint');
        case 405:
          return methodNotAllowed();
        case 413:
          return payloadTooLarge();
        default:
          return badRequest(exception.message);
      }
    }
    const errorId = randomUUID();
    this.logger.error(`Internal error ${errorId}`, exception instanceof Error ? exception.stack : String(exception));
    return serverError(errorId);
  }
}
