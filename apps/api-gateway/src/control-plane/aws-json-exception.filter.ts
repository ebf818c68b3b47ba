import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { AwsServiceError } from './aws-service-error';

export const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

/** Renders any error on a control-plane route as an AWS JSON error ({"__type", "message"}). */
@Catch()
export class AwsJsonExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ControlPlane');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const error = this.toAwsError(exception);
    response
      .status(error.status)
      .setHeader('x-amzn-ErrorType', error.type)
      .type(AWS_JSON_CONTENT_TYPE)
      .send(JSON.stringify({ __type: error.type, message: error.message, Message: error.message }));
  }

  private toAwsError(exception: unknown): AwsServiceError {
    if (exception instanceof AwsServiceError) return exception;
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      if (status === 404) return new AwsServiceError('UnknownOperationException', 'No such route');
      if (status === 413) return new AwsServiceError('ValidationException', 'Request body is too large');
      return new AwsServiceError('ValidationException', exception.message);
    }
    const errorId = randomUUID();
    this.logger.error(`Internal error ${errorId}`, exception instanceof Error ? exception.stack : String(exception));
    return new AwsServiceError('InternalServerException', `Internal server error (error id ${errorId})`);
  }
}
