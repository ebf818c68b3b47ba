import type { NdjsonLine } from './ndjson-line-splitter';
import { assignedId, parseResourceLine } from './resource-line.parser';

const line = (text: string | undefined, problem?: NdjsonLine['problem']): NdjsonLine => ({ number: 3, start: 10, end: 10 + (text?.length ?? 50) + 1, text, problem });
const parse = (text: string | undefined, problem?: NdjsonLine['problem'], level: 'strict' | 'minimal' = 'strict') => parseResourceLine(line(text, problem), level, 1000, (n) => `generated-${n}`);

describe('parseResourceLine', () => {
  it('splits a valid resource into type, id, meta, body JSON and deduplicated references', () => {
    const parsed = parse(JSON.stringify({
      resourceType: 'Observation', id: 'o1', meta: { source: 'x' }, status: 'final', code: { text: 'c' },
      subject: { reference: 'Patient/p1' }, performer: [{ reference: 'Patient/p1' }, { reference: 'Patient/p1' }],
    }));
    expect(parsed).toEqual({
      kind: 'resource',
      resource: {
        resourceType: 'Observation', id: 'o1', meta: { source: 'x' },
        bodyJson: '{"status":"final","code":{"text":"c"},"subject":{"reference":"Patient/p1"},"performer":[{"reference":"Patient/p1"},{"reference":"Patient/p1"}]}',
        references: [
          { path: 'subject', reference: 'Patient/p1', targetType: 'Patient', targetId: 'p1' },
          { path: 'performer', reference: 'Patient/p1', targetType: 'Patient', targetId: 'p1' },
        ],
      },
    });
  });

  it('treats whitespace-only lines as blank', () => {
    expect(parse(' \t ')).toEqual({ kind: 'blank' });
    expect(parse('')).toEqual({ kind: 'blank' });
  });

  it('assigns the line-derived id to a resource without one', () => {
    expect(parse('{"resourceType":"Patient"}')).toMatchObject({ kind: 'resource', resource: { id: 'generated-3' } });
  });

  it.each([
    ['not JSON', '{"resourceType":', 'structure', /not valid JSON/],
    ['not an object', '"Patient"', 'structure', /JSON object/],
    ['no resourceType', '{"id":"a"}', 'required', /Missing resourceType/],
    ['unknown resourceType', '{"resourceType":"Nope"}', 'structure', /Unknown resourceType/],
    ['invalid id', '{"resourceType":"Patient","id":"a b"}', 'value', /Invalid id/],
    ['schema violation', '{"resourceType":"Patient","id":"a","gender":1}', expect.any(String), /./],
  ])('reports %s as a customer error', (_label, text, code, diagnostics) => {
    const parsed = parse(text);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind === 'invalid') expect(parsed.issues[0]).toMatchObject({ severity: 'error', code, diagnostics: expect.stringMatching(diagnostics) });
  });

  it('reports over-long and non-UTF-8 lines', () => {
    expect(parse(undefined, 'too-long')).toMatchObject({ kind: 'invalid', issues: [{ code: 'too-costly', diagnostics: expect.stringMatching(/limit is 1000 bytes/) }] });
    expect(parse(undefined, 'invalid-utf8')).toMatchObject({ kind: 'invalid', issues: [{ code: 'structure' }] });
  });

  it('refuses a non-object meta even at minimal validation', () => {
    expect(parse('{"resourceType":"Patient","id":"a","meta":"x"}', undefined, 'minimal')).toMatchObject({ kind: 'invalid' });
  });
});

describe('assignedId', () => {
  it('is a valid FHIR id, stable for the same place and different elsewhere', () => {
    const id = assignedId('job', 'in/a.ndjson', 7);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(assignedId('job', 'in/a.ndjson', 7)).toBe(id);
    expect(assignedId('job', 'in/a.ndjson', 8)).not.toBe(id);
    expect(assignedId('job2', 'in/a.ndjson', 7)).not.toBe(id);
  });
});
