/** Characters S3 documents as safe in keys; anything else in an input name becomes `_`. */
const UNSAFE = /[^A-Za-z0-9!_.*'()-]/g;

/**
 * Names of the SUCCESS/FAILURE objects for each input key: the key relative to the input prefix
 * (its base name for a single object), each path segment made key-safe, `.gz` dropped and
 * `.ndjson` ensured. Names that would collide get `-2`, `-3`... in key order, so the result is
 * the same every time for the same list of keys.
 */
export function outputNames(keys: readonly string[], prefix: string): string[] {
  const used = new Set<string>();
  return keys.map((key) => {
    const relative = key.startsWith(prefix) && key.length > prefix.length ? key.slice(prefix.length) : key.slice(key.lastIndexOf('/') + 1);
    const segments = relative
      .split('/')
      .filter((s) => s !== '')
      .map((s) => s.replace(UNSAFE, '_'))
      .map((s) => (s === '.' || s === '..' ? '_' : s));
    let base = (segments.join('/') || 'input').replace(/\.gz$/i, '');
    if (base.toLowerCase().endsWith('.ndjson')) base = base.slice(0, -'.ndjson'.length);
    let name = `${base}.ndjson`;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base}-${n}.ndjson`;
    used.add(name.toLowerCase());
    return name;
  });
}
