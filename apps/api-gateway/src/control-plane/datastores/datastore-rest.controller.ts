import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req, UseFilters } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { GatewayEnv } from '@fhirlake/config';
import type { Request } from 'express';
import { z } from 'zod';
import { GATEWAY_CONFIG, ARN_CONTEXT } from '../../infrastructure/tokens';
import { openApiSchema } from '../../http/openapi-schema';
import { requestBaseUrl } from '../../http/request-base-url';
import { AwsJsonExceptionFilter } from '../aws-json-exception.filter';
import { type ArnContext, datastoreArn } from '../healthlake-arn';
import { parseCommand } from '../parse-command';
import { createDatastoreCommand, DATASTORE_STATUSES, listDatastoresCommand, tagResourceCommand } from './datastore.commands';
import { DatastoreService } from './datastore.service';
import { ControlPlaneAction, createDatastoreRule, noResource, tagRule, untagRule } from '../../auth/control-plane-actions';
import { parseJsonBuffer } from '../../http/json-body';

const datastoreProperties = {
  type: 'object',
  properties: {
    DatastoreId: { type: 'string' },
    DatastoreArn: { type: 'string' },
    DatastoreName: { type: 'string' },
    DatastoreStatus: { type: 'string', enum: [...DATASTORE_STATUSES] },
    CreatedAt: { type: 'string', format: 'date-time' },
    DatastoreTypeVersion: { type: 'string', enum: ['R4'] },
    DatastoreEndpoint: { type: 'string' },
    SseConfiguration: { type: 'object' },
    IdentityProviderConfiguration: { type: 'object' },
  },
};
const tagsBody = z.object({ Tags: tagResourceCommand.shape.Tags });
const awsError = { description: 'AWS-style JSON error: {"__type": "ValidationException", "message": "..."}' };

/** The datastore control plane as plain REST (same shapes as the HealthLake API, timestamps in ISO 8601). */
@ApiTags('Datastores (REST)')
@Controller('datastores')
@UseFilters(AwsJsonExceptionFilter)
export class DatastoreRestController {
  constructor(
    private readonly datastores: DatastoreService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayEnv,
    @Inject(ARN_CONTEXT) private readonly arnContext: ArnContext,
  ) {}

  @Post()
  @HttpCode(201)
  @ControlPlaneAction('CreateFHIRDatastore', createDatastoreRule)
  @ApiOperation({ summary: 'Create a FHIR R4 datastore (CreateFHIRDatastore)' })
  @ApiBody({ schema: openApiSchema(createDatastoreCommand) })
  @ApiResponse({ status: 201, schema: datastoreProperties })
  @ApiResponse({ status: 400, ...awsError })
  create(@Body() body: unknown, @Req() request: Request) {
    return this.datastores.create(parseCommand(createDatastoreCommand, parseJsonBuffer(body)), this.baseUrl(request));
  }

  @Get()
  @ControlPlaneAction('ListFHIRDatastores', noResource)
  @ApiOperation({ summary: 'List datastores, newest first (ListFHIRDatastores)' })
  @ApiQuery({ name: 'name', required: false })
  @ApiQuery({ name: 'status', required: false, enum: DATASTORE_STATUSES })
  @ApiQuery({ name: 'createdBefore', required: false, description: 'ISO 8601 date-time' })
  @ApiQuery({ name: 'createdAfter', required: false, description: 'ISO 8601 date-time' })
  @ApiQuery({ name: 'maxResults', required: false, schema: { type: 'integer', minimum: 1, maximum: 500 } })
  @ApiQuery({ name: 'nextToken', required: false })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { DatastorePropertiesList: { type: 'array', items: datastoreProperties }, NextToken: { type: 'string' } } } })
  async list(@Query() query: Record<string, string | undefined>, @Req() request: Request) {
    const filter = { DatastoreName: query.name, DatastoreStatus: query.status, CreatedBefore: query.createdBefore, CreatedAfter: query.createdAfter };
    const command = parseCommand(listDatastoresCommand, {
      Filter: Object.values(filter).some((v) => v !== undefined) ? filter : undefined,
      MaxResults: query.maxResults === undefined ? undefined : Number(query.maxResults),
      NextToken: query.nextToken,
    });
    const { items, nextToken } = await this.datastores.list(command, this.baseUrl(request));
    return { DatastorePropertiesList: items, ...(nextToken ? { NextToken: nextToken } : {}) };
  }

  @Get(':datastoreId')
  @ControlPlaneAction('DescribeFHIRDatastore')
  @ApiOperation({ summary: 'Describe a datastore (DescribeFHIRDatastore)' })
  @ApiParam({ name: 'datastoreId' })
  @ApiResponse({ status: 200, schema: datastoreProperties })
  @ApiResponse({ status: 404, ...awsError })
  describe(@Param('datastoreId') datastoreId: string, @Req() request: Request) {
    return this.datastores.describe(datastoreId, this.baseUrl(request));
  }

  @Delete(':datastoreId')
  @ControlPlaneAction('DeleteFHIRDatastore')
  @ApiOperation({ summary: 'Delete a datastore and all its data (DeleteFHIRDatastore)' })
  @ApiResponse({ status: 200, schema: datastoreProperties })
  @ApiResponse({ status: 404, ...awsError })
  @ApiResponse({ status: 409, ...awsError })
  delete(@Param('datastoreId') datastoreId: string, @Req() request: Request) {
    return this.datastores.delete(datastoreId, this.baseUrl(request));
  }

  @Get(':datastoreId/tags')
  @ControlPlaneAction('ListTagsForResource')
  @ApiOperation({ summary: 'List the tags of a datastore (ListTagsForResource)' })
  async listTags(@Param('datastoreId') datastoreId: string) {
    return { Tags: await this.datastores.listTags(datastoreArn(this.arnContext, datastoreId)) };
  }

  @Post(':datastoreId/tags')
  @ControlPlaneAction('TagResource', tagRule)
  @HttpCode(200)
  @ApiOperation({ summary: 'Add or overwrite tags (TagResource)' })
  @ApiBody({ schema: openApiSchema(tagsBody) })
  async tag(@Param('datastoreId') datastoreId: string, @Body() body: unknown) {
    await this.datastores.tag(datastoreArn(this.arnContext, datastoreId), parseCommand(tagsBody, parseJsonBuffer(body)).Tags);
    return {};
  }

  @Delete(':datastoreId/tags')
  @ControlPlaneAction('UntagResource', untagRule)
  @ApiOperation({ summary: 'Remove tags by key (UntagResource)' })
  @ApiQuery({ name: 'tagKeys', isArray: true, type: String })
  async untag(@Param('datastoreId') datastoreId: string, @Query('tagKeys') tagKeys: string | string[] | undefined) {
    const keys = tagKeys === undefined ? [] : Array.isArray(tagKeys) ? tagKeys : [tagKeys];
    await this.datastores.untag(datastoreArn(this.arnContext, datastoreId), keys);
    return {};
  }

  private baseUrl(request: Request): string {
    return requestBaseUrl(request, this.config.FHIRLAKE_PUBLIC_URL);
  }
}
