import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { GatewayEnv } from '@fhirlake/config';
import { payloadTooLarge } from '@fhirlake/fhir';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AwsServiceError } from '../control-plane/aws-service-error';
import { AWS_JSON_CONTENT_TYPE } from '../control-plane/aws-json-exception.filter';
import { FHIR_JSON } from '../fhir/fhir-exception.filter';
import { isFhirPath, RouteAwareExceptionFilter } from './route-aware-exception.filter';

/**
 * Shared by main.ts and the tests, so tests exercise the real HTTP setup. Bodies are kept raw
 * (Buffers) and parsed by each API, so malformed JSON gets that API's own error format.
 */
export function configureApp(app: INestApplication, config: GatewayEnv): void {
  const http = app.getHttpAdapter().getInstance() as express.Express;
  http.disable('x-powered-by');
  http.set('trust proxy', 'loopback');
  app.use(express.raw({ type: () => true, limit: config.FHIRLAKE_MAX_BODY_BYTES }));
  app.use(bodyErrorHandler);
  app.useGlobalFilters(new RouteAwareExceptionFilter());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('fhirlake')
      .setDescription('Self-hosted FHIR R4 data store, wire-compatible with AWS HealthLake')
      .setVersion('0.1.0')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/** Errors raised while reading the body (too large, bad encoding) answered in the route's own format. */
function bodyErrorHandler(error: { status?: number; type?: string }, req: Request, res: Response, next: NextFunction): void {
  if (!error) return next();
  const tooLarge = error.type === 'entity.too.large' || error.status === 413;
  if (isFhirPath(req.path)) {
    const outcome = tooLarge ? payloadTooLarge('Request body exceeds the size limit') : { status: 400, outcome: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'The request body could not be read' }] } };
    res.status(outcome.status).type(FHIR_JSON).send(JSON.stringify(outcome.outcome));
    return;
  }
  const aws = new AwsServiceError('ValidationException', tooLarge ? 'Request body exceeds the size limit' : 'The request body could not be read');
  res.status(tooLarge ? 413 : 400).type(AWS_JSON_CONTENT_TYPE).send(JSON.stringify({ __type: aws.type, message: aws.message }));
}
