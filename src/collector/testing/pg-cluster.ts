/**
 * A throwaway PostgreSQL cluster for tests and the benchmark: initdb into a temporary
 * directory as the `postgres` user (PostgreSQL refuses to run as root), listening on a unix
 * socket only (listen_addresses=''), so nothing touches any network. Debian package
 * `postgresql` provides the binaries (.ci/apt-packages).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PgCluster {
  /** postgres:// URL of a fresh database on the cluster's socket. */
  readonly url: string;
  stop(): void;
}

function binDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

/** Why a cluster cannot be started here, or null when it can. */
export function pgUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to run PostgreSQL as the postgres user';
  if (!binDir()) return 'PostgreSQL server binaries not found (apt-get install postgresql)';
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) return 'no postgres system user';
  return null;
}

export function startPgCluster(): PgCluster {
  const bin = binDir();
  if (!bin) throw new Error('PostgreSQL binaries not found');
  const dir = mkdtempSync(join(tmpdir(), 'camsweep-pg-'));
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const asPostgres = (cmd: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: dir,
    });
  asPostgres('initdb', [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  asPostgres('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-o',
    `-k ${dir} -c listen_addresses= -c fsync=off -c full_page_writes=off -c max_connections=50`,
    'start',
  ]);
  const url = `postgres://postgres@localhost/postgres?host=${encodeURIComponent(dir)}`;
  return {
    url,
    stop: () => {
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
