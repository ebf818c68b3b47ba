import { outputNames } from './import-output-names';

describe('outputNames', () => {
  it('keeps the path relative to the prefix and ensures .ndjson', () => {
    expect(outputNames(['in/Patient.ndjson', 'in/sub/Obs.ndjson.gz', 'in/data.txt', 'in/noext'], 'in/')).toEqual([
      'Patient.ndjson',
      'sub/Obs.ndjson',
      'data.txt.ndjson',
      'noext.ndjson',
    ]);
  });

  it('uses the base name of a single object', () => {
    expect(outputNames(['in/dir/Patient.ndjson'], 'in/dir/Patient.ndjson')).toEqual(['Patient.ndjson']);
  });

  it('makes names key-safe and unique, deterministically', () => {
    const keys = ['p/a b#.ndjson', 'p/a_b_.ndjson', 'p/x.ndjson', 'p/x.ndjson.gz', 'p/../y', 'p/X.ndjson'];
    expect(outputNames(keys, 'p/')).toEqual(['a_b_.ndjson', 'a_b_-2.ndjson', 'x.ndjson', 'x-2.ndjson', '_/y.ndjson', 'X-3.ndjson']);
    expect(outputNames(keys, 'p/')).toEqual(outputNames(keys, 'p/'));
  });
});
