import type { Bundle, BundleEntry, BundleLink, Resource } from '@fhirlake/fhir';
import type { StoredVersion } from '@fhirlake/persistence';

export interface PageLinks {
  /** URL of this page without paging parameters. */
  selfUrl: string;
  count: number;
  offset: number;
  total: number;
}

function pageLinks({ selfUrl, count, offset, total }: PageLinks): BundleLink[] {
  const at = (o: number) => `${selfUrl}${selfUrl.includes('?') ? '&' : '?'}_count=${count}&_offset=${o}`;
  const links: BundleLink[] = [{ relation: 'self', url: at(offset) }];
  if (count > 0 && offset + count < total) links.push({ relation: 'next', url: at(offset + count) });
  if (offset > 0) links.push({ relation: 'previous', url: at(Math.max(0, offset - count)) });
  return links;
}

/** A searchset Bundle of current resources. */
export function searchBundle(baseUrl: string, matches: StoredVersion[], page: PageLinks): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: page.total,
    link: pageLinks(page),
    entry: matches.map((m) => ({ fullUrl: `${baseUrl}${m.resourceType}/${m.id}`, resource: m.resource as unknown as Resource, search: { mode: 'match' } })),
  };
}

/** A history Bundle: newest version first, deletions as entries without a resource. */
export function historyBundle(baseUrl: string, versions: StoredVersion[], page: PageLinks): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'history',
    total: page.total,
    link: pageLinks(page),
    entry: versions.map((v): BundleEntry => {
      const url = `${v.resourceType}/${v.id}`;
      const response = { status: v.deleted ? '204' : v.versionId === 1 ? '201' : '200', etag: `W/"${v.versionId}"`, lastModified: v.lastUpdated };
      return v.deleted
        ? { fullUrl: `${baseUrl}${url}`, request: { method: 'DELETE', url }, response }
        : { fullUrl: `${baseUrl}${url}`, resource: v.resource as unknown as Resource, request: { method: v.versionId === 1 ? 'POST' : 'PUT', url }, response };
    }),
  };
}
