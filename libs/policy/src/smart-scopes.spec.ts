import { authorizeSmartAccess, type SmartAccessRequest } from './smart-scope-authorizer';
import { parseSmartScopes } from './smart-scopes';

const letters = (raw: string) => [...(parseSmartScopes(raw).resourceScopes[0]?.interactions ?? [])].sort().join('');

describe('parseSmartScopes', () => {
  it.each([
    ['patient/Observation.read', 'rs'],
    ['user/*.write', 'cdu'],
    ['system/*.*', 'cdrsu'],
    ['system/Patient.rs', 'rs'],
    ['patient/*.cruds', 'cdrsu'],
    ['user/Observation.r', 'r'],
    ['user/Observation.cud', 'cdu'],
  ])('%s grants %s', (raw, expected) => {
    expect(letters(raw)).toBe(expected);
  });

  it('parses context, type, version and decoded constraints', () => {
    const [scope] = parseSmartScopes('user/Observation.rs?category=http%3A%2F%2Fterminology.hl7.org%7Claboratory&status=final').resourceScopes;
    expect(scope).toMatchObject({
      version: 'v2',
      context: 'user',
      resourceType: 'Observation',
      constraints: [
        ['category', 'http://terminology.hl7.org|laboratory'],
        ['status', 'final'],
      ],
    });
    expect(parseSmartScopes('patient/Observation.read').resourceScopes[0]).toMatchObject({ version: 'v1', context: 'patient', constraints: [] });
  });

  it('separates launch and identity scopes from resource scopes', () => {
    const parsed = parseSmartScopes('openid fhirUser launch/patient offline_access launch  patient/Patient.read');
    expect(parsed.resourceScopes.map((s) => s.raw)).toEqual(['patient/Patient.read']);
    expect(parsed.launch).toEqual(['launch/patient', 'launch']);
    expect(parsed.other).toEqual(['openid', 'fhirUser', 'offline_access']);
    expect(parsed.invalid).toEqual([]);
  });

  it.each([
    'patient/Observation.rsc',
    'patient/Observation.rr',
    'patient/Observation.',
    'patient/Observation',
    'patient/observation.read',
    'system/Patient.read?category=x',
    'user/Observation.rs?category',
    'user/Observation.rs?=x',
    'user/Observation.rs?a=%E0%A4%A',
    'clinic/Patient.read',
    'patient/Pat ient.read',
    'patient/Patient.readwrite',
  ])('reports %s as invalid', (raw) => {
    const parsed = parseSmartScopes([raw]);
    expect(parsed.resourceScopes).toEqual([]);
    // clinic/... is a well-formed custom scope, not a SMART resource scope.
    if (raw.startsWith('clinic/')) expect(parsed.other).toEqual([raw]);
    else expect(parsed.invalid.map((i) => i.scope)).toContain(raw.split(' ')[0]);
  });

  it('gives a reason for each invalid scope', () => {
    expect(parseSmartScopes('patient/Observation.rr system/Patient.read?x=1').invalid).toEqual([
      { scope: 'patient/Observation.rr', reason: '"rr" is neither read/write/* nor SMART v2 letters in c,r,u,d,s order' },
      { scope: 'system/Patient.read?x=1', reason: 'constraints need SMART v2 permissions (e.g. .rs)' },
    ]);
  });
});

describe('authorizeSmartAccess', () => {
  type Row = [scopes: string, request: SmartAccessRequest, expected: 'allow' | 'deny' | 'allow-with-constraints'];
  const rows: Row[] = [
    ['patient/Observation.read', { resourceType: 'Observation', interaction: 'read' }, 'allow'],
    ['patient/Observation.read', { resourceType: 'Observation', interaction: 'search' }, 'allow'],
    ['patient/Observation.read', { resourceType: 'Observation', interaction: 'update' }, 'deny'],
    ['patient/Observation.read', { resourceType: 'Patient', interaction: 'read' }, 'deny'],
    ['user/*.write', { resourceType: 'Patient', interaction: 'create' }, 'allow'],
    ['user/*.write', { resourceType: 'Patient', interaction: 'patch' }, 'allow'],
    ['user/*.write', { resourceType: 'Patient', interaction: 'vread' }, 'deny'],
    ['system/*.*', { resourceType: 'Encounter', interaction: 'delete' }, 'allow'],
    ['system/Patient.rs', { resourceType: 'Patient', interaction: 'history-instance' }, 'allow'],
    ['system/Patient.rs', { resourceType: 'Patient', interaction: 'd' }, 'deny'],
    ['patient/*.cruds', { resourceType: 'Condition', interaction: 'u' }, 'allow'],
    ['patient/Observation.read', { resourceType: 'Observation', interaction: 'read', contexts: ['system'] }, 'deny'],
    ['patient/Observation.read system/Observation.r', { resourceType: 'Observation', interaction: 'read', contexts: ['system'] }, 'allow'],
    ['openid fhirUser launch/patient offline_access', { resourceType: 'Patient', interaction: 'read' }, 'deny'],
    ['user/Observation.rs?category=laboratory', { resourceType: 'Observation', interaction: 'search', searchParams: { category: 'laboratory' } }, 'allow'],
    ['user/Observation.rs?category=laboratory', { resourceType: 'Observation', interaction: 'search', searchParams: [['category', 'laboratory'], ['code', 'x']] }, 'allow'],
    ['user/Observation.rs?category=laboratory', { resourceType: 'Observation', interaction: 'search', searchParams: { category: 'vital-signs' } }, 'deny'],
    ['user/Observation.rs?category=laboratory', { resourceType: 'Observation', interaction: 'search', searchParams: { category: 'laboratory,vital-signs' } }, 'deny'],
    ['user/Observation.rs?category=laboratory', { resourceType: 'Observation', interaction: 'search', searchParams: { 'category:not': 'laboratory' } }, 'deny'],
    ['user/Observation.rs?category=laboratory', { resourceType: 'Observation', interaction: 'search' }, 'deny'],
    ['user/Observation.rs?category=laboratory', { resourceType: 'Observation', interaction: 'read' }, 'allow-with-constraints'],
    ['user/Observation.rs?category=laboratory user/Observation.rs', { resourceType: 'Observation', interaction: 'read' }, 'allow'],
    ['user/Observation.rs?category=laboratory&status=final', { resourceType: 'Observation', interaction: 'search', searchParams: { category: 'laboratory' } }, 'deny'],
    ['user/Observation.rs?category=laboratory&status=final', { resourceType: 'Observation', interaction: 'search', searchParams: { category: 'laboratory', status: ['final'] } }, 'allow'],
  ];

  it.each(rows)('%s → %j', (scopes, request, expected) => {
    expect(authorizeSmartAccess(scopes, request).decision).toBe(expected);
  });

  it('returns the constraint alternatives for a constrained read', () => {
    const decision = authorizeSmartAccess('user/Observation.rs?category=laboratory user/Observation.r?category=vital-signs', { resourceType: 'Observation', interaction: 'read' });
    expect(decision.constraints).toEqual([[['category', 'laboratory']], [['category', 'vital-signs']]]);
    expect(decision.reason).toBe('read on Observation permitted only for resources matching category=laboratory or category=vital-signs');
  });

  it('tells a caller how to restrict a search', () => {
    const decision = authorizeSmartAccess(['user/Observation.rs?category=laboratory'], { resourceType: 'Observation', interaction: 'search' });
    expect(decision).toMatchObject({ decision: 'deny', constraints: [[['category', 'laboratory']]], reason: 'search on Observation must be restricted to category=laboratory' });
  });

  it('names the granting scope', () => {
    expect(authorizeSmartAccess('patient/*.read', { resourceType: 'Patient', interaction: 'read' }).reason).toBe('read on Patient granted by patient/*.read');
    expect(authorizeSmartAccess('', { resourceType: 'Patient', interaction: 'read' }).reason).toBe('no granted scope permits read on Patient');
  });

  it('accepts already parsed scopes', () => {
    const parsed = parseSmartScopes('system/*.rs');
    expect(authorizeSmartAccess(parsed, { resourceType: 'Patient', interaction: 'search' }).decision).toBe('allow');
  });
});
