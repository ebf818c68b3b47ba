/**
 * Validation throughput on the Synthea fixture, one core:
 *   npm exec -- node -r @swc-node/register libs/fhir/bench/validation.bench.ts
 * Prints resources/s and MB/s per validation level next to plain JSON.parse, plus reference
 * extraction. Fails (exit 1) if any fixture resource is invalid.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { extractReferences, validateResource, type ValidationLevel } from '../src';

const FIXTURE_DIR = path.resolve(__dirname, '../../../../shared/fixtures/synthea-10');
const WARMUP_PASSES = 3;
const MIN_MEASURE_MS = 2000;

const lines = readdirSync(FIXTURE_DIR)
  .filter((f) => f.endsWith('.ndjson'))
  .flatMap((f) => readFileSync(path.join(FIXTURE_DIR, f), 'utf8').split('\n'))
  .filter((l) => l.trim() !== '');
const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
const resources: unknown[] = lines.map((l) => JSON.parse(l));

/** Runs `pass` (one pass over the fixture) until MIN_MEASURE_MS elapsed; returns passes per second. */
function measure(pass: () => void): number {
  for (let i = 0; i < WARMUP_PASSES; i++) pass();
  let passes = 0;
  const start = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < MIN_MEASURE_MS) {
    pass();
    passes++;
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return passes / (elapsedMs / 1000);
}

function report(label: string, passesPerSec: number): void {
  const perSec = Math.round(passesPerSec * resources.length).toLocaleString('en-US');
  const mbPerSec = ((passesPerSec * bytes) / 1e6).toFixed(1);
  console.log(`${label.padEnd(34)} ${perSec.padStart(12)} resources/s ${mbPerSec.padStart(8)} MB/s`);
}

console.log(`fixture: ${resources.length} resources, ${(bytes / 1e6).toFixed(1)} MB (${FIXTURE_DIR})`);
let invalid = 0;
for (const level of ['minimal', 'structure-only', 'strict'] as const) {
  const t = process.hrtime.bigint();
  for (const r of resources) {
    const issues = validateResource(r, level);
    if (issues.length > 0) {
      invalid++;
      console.error(`INVALID at ${level}:`, JSON.stringify(issues));
    }
  }
  console.log(`first pass ${level} (loads definitions, compiles validators): ${Number(process.hrtime.bigint() - t) / 1e6} ms`);
}

report('JSON.parse', measure(() => lines.forEach((l) => JSON.parse(l))));
for (const level of ['minimal', 'structure-only', 'strict'] as ValidationLevel[]) {
  report(`validate ${level}`, measure(() => resources.forEach((r) => validateResource(r, level))));
}
report('JSON.parse + validate strict', measure(() => lines.forEach((l) => validateResource(JSON.parse(l), 'strict'))));
report('extractReferences', measure(() => resources.forEach((r) => extractReferences(r))));

if (invalid > 0) {
  console.error(`${invalid} invalid fixture resources`);
  process.exit(1);
}
