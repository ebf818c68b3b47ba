import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { assertValidResource, badRequest, extractReferences, gone, notFound, preconditionFailed } from '@fhirlake/fhir';
import {
  DatastoreUnavailableError,
  FhirResourceRepository,
  type IndexedReference,
  type ResourceBody,
  type ResourceSearch,
  type StoredVersion,
  WriteRejectedError,
} from '@fhirlake/persistence';

/** Which stored versions a caller may see (e.g. a patient-context token: those in its compartment). */
export type VersionFilter = (resource: ResourceBody) => boolean;

/** Versions read per query when a history is filtered. */
const HISTORY_CHUNK = 100;

/** FHIR interactions on one datastore's resources (validation, versioning, reference index). */
@Injectable()
export class FhirResourceService {
  constructor(private readonly resources: FhirResourceRepository) {}

  async create(datastoreId: string, resourceType: string, body: unknown): Promise<StoredVersion> {
    this.validate(resourceType, body, undefined);
    // FHIR create ignores any id in the body: the server assigns one.
    const resource = { ...body, id: randomUUID() };
    return (await this.write(datastoreId, resource, { mustCreate: true })).stored;
  }

  async update(datastoreId: string, resourceType: string, id: string, body: unknown, ifMatch: number | undefined): Promise<{ stored: StoredVersion; created: boolean }> {
    this.validate(resourceType, body, id);
    return this.write(datastoreId, { ...body, id }, { ifMatch });
  }

  async read(datastoreId: string, resourceType: string, id: string): Promise<StoredVersion> {
    await this.requireDatastore(datastoreId);
    const current = await this.resources.read(datastoreId, resourceType, id);
    if (!current) throw notFound(`${resourceType}/${id} not found`);
    if (current.deleted) throw gone(`${resourceType}/${id} was deleted (version ${current.versionId})`);
    return current;
  }

  /** One version; with `visible`, a version it does not accept answers 404 like a missing one. */
  async readVersion(datastoreId: string, resourceType: string, id: string, versionId: number, visible?: VersionFilter): Promise<StoredVersion> {
    await this.requireDatastore(datastoreId);
    const version = await this.resources.readVersion(datastoreId, resourceType, id, versionId);
    if (!version || (visible && !(await this.isVisible(datastoreId, version, visible)))) throw notFound(`${resourceType}/${id}/_history/${versionId} not found`);
    if (version.deleted) throw gone(`${resourceType}/${id} version ${versionId} is a deletion`);
    return version;
  }

  /**
   * Versions of one resource, newest first, a page of `count` from `offset`. With `visible`, only
   * the versions it accepts (a deletion goes with the version it deleted), paged and counted after
   * filtering; the versions are read in chunks, so memory stays bounded however long the history.
   */
  async history(datastoreId: string, resourceType: string, id: string, count: number, offset: number, visible?: VersionFilter): Promise<{ versions: StoredVersion[]; total: number }> {
    await this.requireDatastore(datastoreId);
    const result = visible ? await this.filteredHistory(datastoreId, resourceType, id, count, offset, visible) : await this.resources.history(datastoreId, resourceType, id, count, offset);
    if (result.total === 0) throw notFound(`${resourceType}/${id} not found`);
    return result;
  }

  private async filteredHistory(datastoreId: string, resourceType: string, id: string, count: number, offset: number, visible: VersionFilter): Promise<{ versions: StoredVersion[]; total: number }> {
    const page: StoredVersion[] = [];
    let total = 0;
    const take = (v: StoredVersion) => {
      if (total >= offset && page.length < count) page.push(v);
      total++;
    };
    let deletions: StoredVersion[] = []; // newer than the next version with content, which decides for them
    let below = Number.POSITIVE_INFINITY; // versions written while paging shift the offsets: skip what was seen
    for (let at = 0; ; at += HISTORY_CHUNK) {
      const { versions } = await this.resources.history(datastoreId, resourceType, id, HISTORY_CHUNK, at);
      for (const v of versions) {
        if (v.versionId >= below) continue;
        below = v.versionId;
        if (!v.resource) {
          deletions.push(v);
          continue;
        }
        if (visible(v.resource)) [...deletions, v].forEach(take);
        deletions = [];
      }
      if (versions.length < HISTORY_CHUNK) break;
    }
    return { versions: page, total };
  }

  /** Whether `visible` accepts the version; a deletion has no content and goes with the version it deleted. */
  private async isVisible(datastoreId: string, version: StoredVersion, visible: VersionFilter): Promise<boolean> {
    let v: StoredVersion | undefined = version;
    while (v && !v.resource) v = v.versionId > 1 ? await this.resources.readVersion(datastoreId, v.resourceType, v.id, v.versionId - 1) : undefined;
    return v?.resource ? visible(v.resource) : false;
  }

  /** Deletes a resource; deleting one already deleted succeeds without a new version. */
  async delete(datastoreId: string, resourceType: string, id: string, ifMatch: number | undefined): Promise<StoredVersion> {
    try {
      const deleted = await this.resources.delete(datastoreId, resourceType, id, { ifMatch });
      if (!deleted) throw notFound(`${resourceType}/${id} not found`);
      return deleted;
    } catch (error) {
      throw this.translate(error, resourceType, id);
    }
  }

  async search(datastoreId: string, resourceType: string, search: ResourceSearch): Promise<{ matches: StoredVersion[]; total: number }> {
    await this.requireDatastore(datastoreId);
    return this.resources.search(datastoreId, resourceType, search);
  }

  async requireDatastore(datastoreId: string): Promise<void> {
    const status = /^[0-9a-f]{32}$/.test(datastoreId) ? await this.resources.datastoreStatus(datastoreId) : undefined;
    if (status !== 'ACTIVE') throw notFound(status ? `Datastore ${datastoreId} is ${status}` : `Datastore ${datastoreId} does not exist`);
  }

  private validate(resourceType: string, body: unknown, urlId: string | undefined): asserts body is ResourceBody {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The body must be a JSON object holding a FHIR resource', undefined, 'structure');
    const { resourceType: bodyType, id: bodyId } = body as { resourceType?: unknown; id?: unknown };
    if (bodyType !== resourceType) {
      throw badRequest(`The body's resourceType ${JSON.stringify(bodyType)} does not match the URL's ${resourceType}`, 'resourceType');
    }
    if (urlId !== undefined && bodyId !== urlId) {
      throw badRequest(`The body's id ${JSON.stringify(bodyId)} does not match the URL's id ${JSON.stringify(urlId)}`, `${resourceType}.id`);
    }
    assertValidResource(body, 'strict');
  }

  private async write(datastoreId: string, resource: ResourceBody & { id: string }, options: { ifMatch?: number; mustCreate?: boolean }) {
    const references: IndexedReference[] = extractReferences(resource).map((r) => ({
      path: r.path,
      reference: r.reference,
      ...(r.targetType ? { targetType: r.targetType } : {}),
      ...(r.targetId ? { targetId: r.targetId } : {}),
    }));
    try {
      return await this.resources.write(datastoreId, resource, references, options);
    } catch (error) {
      throw this.translate(error, resource.resourceType, resource.id);
    }
  }

  private translate(error: unknown, resourceType: string, id: string): unknown {
    if (error instanceof DatastoreUnavailableError) return notFound(error.message);
    if (error instanceof WriteRejectedError && error.rejection.kind === 'version-mismatch') {
      const { expected, actual } = error.rejection;
      return preconditionFailed(`${resourceType}/${id}: If-Match asked for version ${expected} but the current version is ${actual ?? 'none'}`);
    }
    return error;
  }
}
