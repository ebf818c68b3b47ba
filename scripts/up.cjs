#!/usr/bin/env node
// `node scripts/up.cjs` does what `npm run up` does, but also on a fresh clone: `npm run up` starts
// with `node -r @swc-node/register`, which cannot load before node_modules exists. Plain CommonJS
// and Node built-ins only, so any Node on PATH can run it; the stack itself then runs on the
// project's Node 24 (`npm exec` puts node_modules/.bin first on PATH).
'use strict';
const { spawnSync } = require('node:child_process');
const { statSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
};

const installed = mtime(path.join(root, 'node_modules', '.package-lock.json')) ?? mtime(path.join(root, 'node_modules'));
const lock = mtime(path.join(root, 'package-lock.json'));
if (installed === undefined || (lock !== undefined && lock > installed)) {
  console.log(`up: ${installed === undefined ? 'node_modules is missing' : 'node_modules is older than package-lock.json'}: running npm install`);
  const install = spawnSync('npm', ['install'], { cwd: root, stdio: 'inherit' });
  if (install.status !== 0) process.exit(install.status || 1);
}
const up = spawnSync('npm', ['exec', '--', 'node', '-r', '@swc-node/register', 'scripts/up.ts', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(up.status === null ? 1 : up.status);
