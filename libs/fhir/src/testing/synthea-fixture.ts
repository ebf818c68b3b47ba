import { syntheaFixtureDir } from '@fhirlake/testing';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from '../fhir-types';

/** The shared Synthea fixture (10 patients, 7,160 resources), resolved from the repo root. */
export const SYNTHEA_DIR = syntheaFixtureDir();

/** Every resource of the Synthea fixture, parsed once per test file. */
export function loadSyntheaResources(): Resource[] {
  return readdirSync(SYNTHEA_DIR)
    .filter((f) => f.endsWith('.ndjson'))
    .flatMap((f) =>
      readFileSync(path.join(SYNTHEA_DIR, f), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Resource),
    );
}
