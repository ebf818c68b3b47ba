import { All, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { GatewayEnv } from '@fhirlake/config';
import { badRequest, methodNotAllowed } from '@fhirlake/fhir';
import type { StoredVersion } from '@fhirlake/persistence';
import type { Request, Response } from 'express';
import { FhirAction, FhirUnsupportedInteraction } from '../auth/fhir-actions';
import { restrictSearch, restrictVersions } from '../auth/patient-restriction';
import { GATEWAY_CONFIG } from '../infrastructure/tokens';
import { requestBaseUrl } from '../http/request-base-url';
import { historyBundle, searchBundle } from './bundles';
import { capabilityStatement } from './capability-statement';
import { FHIR_JSON, FhirExceptionFilter } from './fhir-exception.filter';
import { parseFhirJson, parseIfMatch, requireFhirJsonContentType, requireId, requireResourceType, versionEtag } from './fhir-request';
import { FhirResourceService } from './fhir-resource.service';
import { parseSearch } from './search-params';

const SOFTWARE_VERSION = '0.1.0';

/** The FHIR R4 REST API of one datastore, at /datastore/{datastoreId}/r4/. */
@ApiTags('FHIR R4')
@ApiParam({ name: 'datastoreId', description: '32-character datastore id' })
@Controller('datastore/:datastoreId/r4')
@UseFilters(FhirExceptionFilter)
export class FhirController {
  constructor(
    private readonly service: FhirResourceService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayEnv,
  ) {}

  @Get('metadata')
  @FhirAction('GetCapabilities', 'capabilities')
  @ApiOperation({ summary: 'CapabilityStatement of the datastore' })
  async metadata(@Param('datastoreId') datastoreId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.service.requireDatastore(datastoreId);
    send(res, 200, capabilityStatement(this.fhirBase(req, datastoreId), SOFTWARE_VERSION));
  }

  @Get(':resourceType')
  @FhirAction('SearchWithGet', 'search')
  @ApiOperation({ summary: 'Search resources of a type (_id, _lastUpdated, patient, subject, _count, _offset)' })
  async search(@Param('datastoreId') datastoreId: string, @Param('resourceType') type: string, @Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.runSearch(datastoreId, requireResourceType(type), query, req, res);
  }

  @Post(':resourceType/_search')
  @FhirAction('SearchWithPost', 'search')
  @HttpCode(200)
  @ApiOperation({ summary: 'Search with parameters in an application/x-www-form-urlencoded body' })
  async searchWithPost(@Param('datastoreId') datastoreId: string, @Param('resourceType') type: string, @Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    const form = Buffer.isBuffer(req.body) ? new URLSearchParams(req.body.toString('utf8')) : new URLSearchParams();
    const merged: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(query)) merged[k] = (Array.isArray(v) ? v : [v]).map(String);
    for (const [k, v] of form) (merged[k] ??= []).push(v);
    await this.runSearch(datastoreId, requireResourceType(type), merged, req, res);
  }

  @Post(':resourceType')
  @FhirAction('CreateResource', 'create')
  @ApiOperation({ summary: 'Create a resource (server-assigned id)' })
  async create(@Param('datastoreId') datastoreId: string, @Param('resourceType') type: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const stored = await this.service.create(datastoreId, requireResourceType(type), parseFhirJson(requireFhirJsonContentType(req)));
    this.sendVersion(req, res, 201, stored, datastoreId, true);
  }

  @Get(':resourceType/:id')
  @FhirAction('ReadResource', 'read')
  @ApiOperation({ summary: 'Read the current version' })
  async read(@Param('datastoreId') datastoreId: string, @Param('resourceType') type: string, @Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const stored = await this.service.read(datastoreId, requireResourceType(type), requireId(id));
    this.sendVersion(req, res, 200, stored, datastoreId, false);
  }

  @Put(':resourceType/:id')
  @FhirAction('UpdateResource', 'update')
  @ApiOperation({ summary: 'Update or create with a client-assigned id (If-Match for optimistic locking)' })
  async update(@Param('datastoreId') datastoreId: string, @Param('resourceType') type: string, @Param('id') id: string, @Headers('if-match') ifMatch: string | undefined, @Req() req: Request, @Res() res: Response): Promise<void> {
    const resourceType = requireResourceType(type);
    requireId(id);
    const { stored, created } = await this.service.update(datastoreId, resourceType, id, parseFhirJson(requireFhirJsonContentType(req)), parseIfMatch(ifMatch));
    this.sendVersion(req, res, created ? 201 : 200, stored, datastoreId, true);
  }

  @Delete(':resourceType/:id')
  @FhirAction('DeleteResource', 'delete')
  @ApiOperation({ summary: 'Delete (later reads answer 410 Gone)' })
  async delete(@Param('datastoreId') datastoreId: string, @Param('resourceType') type: string, @Param('id') id: string, @Headers('if-match') ifMatch: string | undefined, @Res() res: Response): Promise<void> {
    const deleted = await this.service.delete(datastoreId, requireResourceType(type), requireId(id), parseIfMatch(ifMatch));
    res.status(204).setHeader('ETag', versionEtag(deleted.versionId)).end();
  }

  @Get(':resourceType/:id/_history')
  @FhirAction('ReadResource', 'history-instance')
  @ApiOperation({ summary: 'Instance history (a Bundle, newest first)' })
  async history(@Param('datastoreId') datastoreId: string, @Param('resourceType') type: string, @Param('id') id: string, @Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { count, offset } = parseSearch(pick(query, ['_count', '_offset']));
    const resourceType = requireResourceType(type);
    const unknown = Object.keys(query).filter((k) => !['_count', '_offset', '_format'].includes(k));
    if (unknown.length > 0) throw badRequest(`History parameter(s) not supported: ${unknown.join(', ')}`);
    const { versions, total } = await this.service.history(datastoreId, resourceType, requireId(id), count, offset, restrictVersions(req));
    const base = this.fhirBase(req, datastoreId);
    send(res, 200, historyBundle(base, versions, { selfUrl: `${base}${resourceType}/${id}/_history`, count, offset, total }));
  }

  @Get(':resourceType/:id/_history/:versionId')
  @FhirAction('ReadResource', 'vread')
  @ApiOperation({ summary: 'Read one version (vread)' })
  async vread(@Param('datastoreId') datastoreId: string, @Param('resourceType') type: string, @Param('id') id: string, @Param('versionId') versionId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (!/^\d{1,9}$/.test(versionId)) throw badRequest(`Invalid version id ${JSON.stringify(versionId.slice(0, 20))}`);
    const stored = await this.service.readVersion(datastoreId, requireResourceType(type), requireId(id), Number(versionId), restrictVersions(req));
    this.sendVersion(req, res, 200, stored, datastoreId, false);
  }

  @All(['', ':resourceType', ':resourceType/:id', ':resourceType/:id/_history', ':resourceType/:id/_history/:versionId'])
  @ApiExcludeEndpoint()
  @FhirUnsupportedInteraction()
  unsupportedMethod(@Req() req: Request): never {
    throw methodNotAllowed(`${req.method} is not supported on ${req.path}`);
  }

  private async runSearch(datastoreId: string, resourceType: string, query: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    const search = restrictSearch(req, resourceType, parseSearch(query));
    const { matches, total } = await this.service.search(datastoreId, resourceType, search);
    const base = this.fhirBase(req, datastoreId);
    const kept = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (k !== '_count' && k !== '_offset') for (const x of Array.isArray(v) ? v : [v]) kept.append(k, String(x));
    const selfUrl = `${base}${resourceType}${kept.size ? `?${kept}` : ''}`;
    send(res, 200, searchBundle(base, matches, { selfUrl, count: search.count, offset: search.offset, total }));
  }

  private sendVersion(req: Request, res: Response, status: number, stored: StoredVersion, datastoreId: string, withLocation: boolean): void {
    res.setHeader('ETag', versionEtag(stored.versionId));
    res.setHeader('Last-Modified', new Date(stored.lastUpdated).toUTCString());
    if (withLocation) res.setHeader('Location', `${this.fhirBase(req, datastoreId)}${stored.resourceType}/${stored.id}/_history/${stored.versionId}`);
    if (req.get('prefer')?.includes('return=minimal')) {
      res.status(status).end();
      return;
    }
    send(res, status, stored.resource);
  }

  private fhirBase(req: Request, datastoreId: string): string {
    return `${requestBaseUrl(req, this.config.FHIRLAKE_PUBLIC_URL)}/datastore/${datastoreId}/r4/`;
  }
}

function send(res: Response, status: number, body: unknown): void {
  res.status(status).type(FHIR_JSON).send(JSON.stringify(body));
}

function pick(query: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([k]) => keys.includes(k)));
}

