#!/usr/bin/env node
/**
 * Builds the agent's install artifacts from a built checkout (`npm run build` first), offline:
 *
 *   node .ci/package.mjs agent [--out DIR]   camsweep-agent-<version>.tgz (npm tarball)
 *   node .ci/package.mjs deb [--out DIR]     camsweep_<version>_all.deb (dpkg-deb)
 *
 * Both hold the agent alone: the CLI, src/ without the collector, signatures/ (with the generic
 * corpus `camsweep verify` checks), the agent's systemd units and the example configs. Their
 * runtime dependencies are found by reading the shipped JavaScript's imports (a collector
 * package imported by agent code fails the build), and are bundled from this checkout's
 * node_modules as package-lock.json resolved them, so installing needs neither the registry
 * nor a compiler. The collector keeps its native and server dependencies (better-sqlite3, pg,
 * fastify, eta) in the full package that `npm pack` makes.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));

/** What of dist/ the agent ships: entry points and every wing but the collector. */
const DIST_PARTS = ['agent', 'src/core', 'src/contract', 'src/knowledge', 'src/agent'];
// The attestation reads the collector's database and renders PDFs: it ships with the collector.
const DIST_SKIP = new Set([
  'agent/commands/collector.js',
  'agent/commands/collector-api-token.js',
  'agent/commands/report.js',
  'agent/commands/attestation.js',
]);
const AGENT_UNITS = ['camsweep-agent.service', 'camsweep-scan.service', 'camsweep-scan.timer'];

function fail(message) {
  process.stderr.write(`package: ${message}\n`);
  process.exit(1);
}

function copyTree(from, to, keep = () => true) {
  cpSync(from, to, { recursive: true, filter: (src) => keep(relative(from, src)) });
}

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

/** Bare package names the shipped JavaScript imports, requires or resolves. */
function importedPackages(dir) {
  const found = new Set();
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\.resolve\s*\(\s*)['"]((?:@[\w.-]+\/)?[\w][\w.-]*(?:\/[\w.-]+)*)['"]/g;
  for (const file of files(dir)) {
    if (!file.endsWith('.js')) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(pattern)) {
      const spec = m[1];
      if (spec.startsWith('node:')) continue;
      found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  }
  return [...found].sort();
}

/** package-lock paths (node_modules/…) of `names` and everything they need at run time. */
function runtimeClosure(names) {
  const packages = lock.packages;
  const seen = new Set();
  const resolveFrom = (from, name) => {
    // Node's lookup: the nearest node_modules/<name> walking up from the requiring package.
    for (let base = from; ; ) {
      const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (packages[candidate]) return candidate;
      if (!base) return null;
      const cut = base.lastIndexOf('/node_modules/');
      base = cut === -1 ? '' : base.slice(0, cut);
    }
  };
  const visit = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    const entry = packages[path];
    const deps = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const name of Object.keys(deps)) {
      const hit = resolveFrom(path, name);
      if (hit) visit(hit);
      else if (!entry.optionalDependencies?.[name] && !entry.peerDependenciesMeta?.[name]?.optional)
        fail(`${path} needs ${name}, which package-lock.json does not resolve`);
    }
  };
  for (const name of names) {
    const path = `node_modules/${name}`;
    if (!packages[path]) fail(`${name} is not in package-lock.json; run npm ci`);
    visit(path);
  }
  return [...seen].sort();
}

/** Copies the resolved packages from this checkout's node_modules into `dest`/node_modules. */
function bundleNodeModules(paths, dest) {
  for (const path of paths) {
    const from = join(ROOT, path);
    if (!existsSync(join(from, 'package.json'))) fail(`${path} is missing; run npm ci`);
    const entry = lock.packages[path];
    const installed = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')).version;
    if (installed !== entry.version)
      fail(`${path} is ${installed} but package-lock.json says ${entry.version}; run npm ci`);
    if (entry.hasInstallScript) fail(`${path} has an install script; the agent must install without one`);
    // Nested node_modules are copied as packages of their own, only when needed; the rest is
    // what runs, plus licences: no dotfiles (lint and VCS config), docs, maps or type files.
    copyTree(from, join(dest, path), (rel) => {
      const parts = rel.split('/');
      const name = parts[parts.length - 1];
      if (parts.includes('node_modules') || parts.some((p) => p.startsWith('.'))) return false;
      return !/\.(md|markdown|html|map|d\.ts|d\.mts|d\.cts)$/i.test(name);
    });
  }
  const natives = [...files(join(dest, 'node_modules'))].filter((f) => f.endsWith('.node'));
  if (natives.length > 0) fail(`native modules in the agent's dependencies: ${natives.join(', ')}`);
}

/** Lays out the agent package in `dir` (package.json, dist, signatures, systemd, examples). */
function stageAgent(dir) {
  const dist = join(ROOT, 'dist');
  if (!existsSync(join(dist, 'agent', 'cli.js'))) fail('dist/agent/cli.js is missing; run `npm run build` first');
  for (const part of DIST_PARTS)
    copyTree(join(dist, part), join(dir, 'dist', part), (rel) => {
      if (rel.endsWith('.map')) return false;
      return !DIST_SKIP.has(`${part}/${rel}`);
    });
  chmodSync(join(dir, 'dist', 'agent', 'cli.js'), 0o755);
  copyTree(join(ROOT, 'signatures'), join(dir, 'signatures'));
  mkdirSync(join(dir, 'systemd'));
  for (const name of [...AGENT_UNITS, 'camsweep.env.example', 'README.md'])
    cpSync(join(ROOT, 'systemd', name), join(dir, 'systemd', name));
  mkdirSync(join(dir, 'agent'));
  for (const name of ['camsweep.example.yaml', 'credentials.example.yaml'])
    cpSync(join(ROOT, 'agent', name), join(dir, 'agent', name));
  cpSync(join(ROOT, 'README.md'), join(dir, 'README.md'));

  const needed = importedPackages(join(dir, 'dist'));
  const dependencies = {};
  for (const name of needed) {
    const range = rootPkg.dependencies?.[name];
    if (!range) fail(`agent code imports ${name}, which is not a runtime dependency in package.json`);
    dependencies[name] = range;
  }
  const pkg = {
    name: 'camsweep-agent',
    version: rootPkg.version,
    description: `${rootPkg.description} Agent only: scan, agent daemon, identify, verify, explain (no collector).`,
    license: rootPkg.license,
    type: 'module',
    bin: { camsweep: 'dist/agent/cli.js' },
    engines: rootPkg.engines,
    dependencies,
    bundleDependencies: Object.keys(dependencies),
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  bundleNodeModules(runtimeClosure(needed), dir);
  return pkg;
}

function buildTarball(out) {
  const stage = mkdtempSync(join(tmpdir(), 'camsweep-agent-pkg-'));
  try {
    const pkg = stageAgent(stage);
    const json = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], {
      cwd: stage,
      encoding: 'utf8',
    });
    const [{ filename }] = JSON.parse(json);
    process.stdout.write(`${join(out, filename)}\n`);
    return pkg;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function duKiB(dir) {
  let bytes = 0;
  for (const f of files(dir)) bytes += statSync(f).size;
  return Math.ceil(bytes / 1024);
}

function buildDeb(out) {
  const stage = mkdtempSync(join(tmpdir(), 'camsweep-deb-'));
  try {
    chmodSync(stage, 0o755); // the package's ./ entry becomes / on install
    const lib = join(stage, 'usr', 'lib', 'camsweep');
    const pkg = stageAgent(lib);
    // The units and example files live where Debian expects them; the package tree keeps
    // only what the program reads at run time.
    const units = join(stage, 'lib', 'systemd', 'system');
    mkdirSync(units, { recursive: true });
    for (const name of AGENT_UNITS) cpSync(join(lib, 'systemd', name), join(units, name));
    const etc = join(stage, 'etc', 'camsweep');
    mkdirSync(etc, { recursive: true });
    cpSync(join(ROOT, 'agent', 'camsweep.example.yaml'), join(etc, 'camsweep.yaml'));
    cpSync(join(ROOT, 'systemd', 'camsweep.env.example'), join(etc, 'camsweep.env'));
    chmodSync(join(etc, 'camsweep.env'), 0o600);
    mkdirSync(join(stage, 'usr', 'bin'), { recursive: true });
    symlinkSync('../lib/camsweep/dist/agent/cli.js', join(stage, 'usr', 'bin', 'camsweep'));
    const doc = join(stage, 'usr', 'share', 'doc', 'camsweep');
    mkdirSync(doc, { recursive: true });
    const debian = join(ROOT, 'systemd', 'debian');
    cpSync(join(debian, 'copyright'), join(doc, 'copyright'));
    const changelog = readFileSync(join(debian, 'changelog'), 'utf8').replaceAll('@VERSION@', pkg.version);
    writeFileSync(join(doc, 'changelog.gz'), gzipSync(changelog, { level: 9 }));
    const overrides = join(stage, 'usr', 'share', 'lintian', 'overrides');
    mkdirSync(overrides, { recursive: true });
    cpSync(join(debian, 'lintian-overrides'), join(overrides, 'camsweep'));

    const control = join(stage, 'DEBIAN');
    mkdirSync(control);
    const fields = readFileSync(join(debian, 'control'), 'utf8')
      .replaceAll('@VERSION@', pkg.version)
      .replaceAll('@INSTALLED_SIZE@', String(duKiB(stage)));
    writeFileSync(join(control, 'control'), fields);
    writeFileSync(join(control, 'conffiles'), '/etc/camsweep/camsweep.yaml\n/etc/camsweep/camsweep.env\n');
    for (const script of ['postinst', 'prerm', 'postrm']) {
      cpSync(join(debian, script), join(control, script));
      chmodSync(join(control, script), 0o755);
    }
    // dpkg-deb wants 0755 directories and no group/other write bits anywhere.
    execFileSync('chmod', ['-R', 'u+rwX,go+rX,go-w', join(stage, 'usr'), join(stage, 'lib')]);
    chmodSync(join(etc, 'camsweep.yaml'), 0o644);
    const file = join(out, `camsweep_${pkg.version}_all.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', stage, file], { stdio: 'ignore' });
    process.stdout.write(`${file}\n`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

const [what, ...args] = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = resolve(outIndex === -1 ? process.cwd() : (args[outIndex + 1] ?? fail('--out needs a directory')));
mkdirSync(out, { recursive: true });
if (what === 'agent') buildTarball(out);
else if (what === 'deb') buildDeb(out);
else fail('usage: node .ci/package.mjs agent|deb [--out DIR]');
