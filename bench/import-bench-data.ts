import { syntheaFixtureDir } from '@fhirlake/testing';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';

const FIXTURE_DIR = syntheaFixtureDir();
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** What was generated. */
export interface BenchData {
  /** ndjson files, each at most `linesPerFile` resources. */
  ndjsonFiles: string[];
  /** The same resources as COPY text rows (id, resource) for the raw COPY baseline. */
  copyFile: string;
  resources: number;
  bytes: number;
}

async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/**
 * Writes `count` Synthea-like resources: the fixture's resources in turn, every UUID (ids,
 * references, identifiers) suffixed with the pass number so each pass is a new, internally
 * consistent population with the fixture's mix of types, sizes and references; every 7th
 * resource of a pass also gets a perturbed text field so content varies.
 */
export async function generateBenchData(dir: string, count: number, linesPerFile = 100_000): Promise<BenchData> {
  const fixture = readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.ndjson'))
    .sort()
    .flatMap((f) => readFileSync(path.join(FIXTURE_DIR, f), 'utf8').split('\n'))
    .filter((l) => l.trim() !== '');
  const copyFile = path.join(dir, 'raw-copy.tsv');
  const copy = createWriteStream(copyFile);
  const ndjsonFiles: string[] = [];
  let ndjson: ReturnType<typeof createWriteStream> | undefined;
  let bytes = 0;
  for (let n = 0; n < count; n++) {
    if (n % linesPerFile === 0) {
      if (ndjson) {
        ndjson.end();
        await once(ndjson, 'finish');
      }
      const file = path.join(dir, `resources-${String(ndjsonFiles.length).padStart(4, '0')}.ndjson`);
      ndjsonFiles.push(file);
      ndjson = createWriteStream(file);
    }
    const pass = Math.floor(n / fixture.length);
    const source = fixture[n % fixture.length];
    let line = pass === 0 ? source : source.replace(UUID, (uuid) => `${uuid}-${pass}`);
    if (n % 7 === 0) line = line.replace(/"(display|text)":"([^"]*)"/, (_m, k: string, v: string) => `"${k}":"${v} (${n})"`);
    const id = /"id":"([^"]+)"/.exec(line)![1];
    bytes += Buffer.byteLength(line) + 1;
    await write(ndjson!, `${line}\n`);
    await write(copy, `${id}\t${line.replace(/\\/g, '\\\\')}\n`);
  }
  for (const stream of [ndjson!, copy]) {
    stream.end();
    await once(stream, 'finish');
  }
  return { ndjsonFiles, copyFile, resources: count, bytes };
}
