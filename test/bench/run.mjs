#!/usr/bin/env node
// `npm run bench`: builds, then runs every compiled benchmark (dist/test/bench/*.bench.js)
// one after another and prints their figures. `npm run bench -- identify` runs only those
// whose file name contains "identify". Benchmarks that build network namespaces need root;
// they print why they skip otherwise.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const filter = process.argv[2] ?? '';
if (spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' }).status !== 0) {
  process.stderr.write('bench: the build failed\n');
  process.exit(1);
}
const dir = 'dist/test/bench';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js') && f.includes(filter))
  .sort();
if (files.length === 0) {
  process.stderr.write(`bench: no benchmark matches "${filter}"\n`);
  process.exit(2);
}
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n=== ${f.replace('.bench.js', '')} ===\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
