import type { ExportPart } from '@fhirlake/persistence';
import { ExportOutputLocation } from './export-output';
import { exportResult, finalOutcome } from './export-run.service';

const output = ExportOutputLocation.of('s3://bucket/out/', 'd'.repeat(32), 'j'.repeat(32))!;
const part = (resourceType: string, partNumber: number, status: ExportPart['status'], error: string | null = null): ExportPart => ({
  jobId: 'j'.repeat(32), partId: 0, resourceType, partNumber, firstId: 'a', lastId: 'b', resourceCount: 10, status,
  objectKey: output.objectKey(resourceType, partNumber), bytes: null, error,
});

describe('export result and final status', () => {
  it('lists written files in type and part order with their URLs and counts, failed ones as errors', () => {
    const result = exportResult([part('Patient', 2, 'DONE'), part('Encounter', 1, 'FAILED', 'AccessDenied'), part('Patient', 1, 'DONE')], output);
    const folder = `s3://bucket/out/${'d'.repeat(32)}-FHIR_EXPORT-${'j'.repeat(32)}`;
    expect(result).toEqual({
      output: [
        { type: 'Patient', url: `${folder}/Patient/Patient-1.ndjson`, count: 10 },
        { type: 'Patient', url: `${folder}/Patient/Patient-2.ndjson`, count: 10 },
      ],
      error: [{ type: 'Encounter', url: `${folder}/Encounter/Encounter-1.ndjson`, message: 'AccessDenied' }],
    });
  });

  it('is COMPLETED, COMPLETED_WITH_ERRORS or FAILED depending on what could be written', () => {
    const summary = { partsTotal: 2, partsDone: 2, partsFailed: 0, resourcesTotal: 20, resourcesExported: 20 };
    expect(finalOutcome(summary, { output: [], error: [] })).toEqual({ status: 'COMPLETED', message: 'Exported 20 resources in 2 files' });
    const someFailed = finalOutcome({ ...summary, partsDone: 1, partsFailed: 1, resourcesExported: 10 }, { output: [], error: [{ type: 'Encounter', message: 'x' }] });
    expect(someFailed).toEqual({ status: 'COMPLETED_WITH_ERRORS', message: 'Exported 10 of 20 resources; 1 files could not be written (types Encounter)' });
    const allFailed = finalOutcome({ ...summary, partsDone: 0, partsFailed: 2, resourcesExported: 0 }, { output: [], error: [{ type: 'Encounter', message: 'Encounter part 1 could not be written: AccessDenied' }] });
    expect(allFailed).toEqual({ status: 'FAILED', message: 'No file could be written: Encounter part 1 could not be written: AccessDenied' });
  });
});
