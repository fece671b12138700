import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool } from '../../../src/agent/push/spool.js';

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'camsweep-spool-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('spool', () => {
  it('keeps reports in arrival order until removed, and survives being reopened', () => {
    const dir = freshDir();
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const spool = new Spool(dir, { maxReports: 10, maxBytes: 1e6 });
    for (const id of ids) expect(spool.put(id, JSON.stringify({ reportId: id })).ok).toBe(true);
    const reopened = new Spool(dir, { maxReports: 10, maxBytes: 1e6 });
    const listed = reopened.list();
    expect(listed.map((e) => e.reportId)).toEqual(ids);
    expect(JSON.parse(reopened.read(listed[1]!)!)).toEqual({ reportId: ids[1] });
    reopened.remove(listed[0]!);
    expect(new Spool(dir, { maxReports: 10, maxBytes: 1e6 }).list().map((e) => e.reportId)).toEqual(
      ids.slice(1),
    );
  });

  it('stores a resubmitted report once', () => {
    const spool = new Spool(freshDir(), { maxReports: 10, maxBytes: 1e6 });
    const id = randomUUID();
    spool.put(id, '{}');
    const again = spool.put(id, '{}');
    expect(again).toMatchObject({ ok: true, existed: true });
    expect(spool.depth().reports).toBe(1);
  });

  it('discards a torn write (temp file) on open but never a complete report', () => {
    const dir = freshDir();
    const spool = new Spool(dir, { maxReports: 10, maxBytes: 1e6 });
    const id = randomUUID();
    spool.put(id, '{"complete":true}');
    writeFileSync(join(dir, `.tmp-999-000000000000001-000001-${randomUUID()}.json`), '{"half');
    new Spool(dir, { maxReports: 10, maxBytes: 1e6 });
    expect(readdirSync(dir).filter((n) => n.endsWith('.json'))).toHaveLength(1);
    expect(spool.list()[0]!.reportId).toBe(id);
  });

  it('refuses new reports at the bound instead of dropping old ones', () => {
    const spool = new Spool(freshDir(), { maxReports: 2, maxBytes: 1e6 });
    const first = [randomUUID(), randomUUID()];
    for (const id of first) spool.put(id, '{}');
    const refused = spool.put(randomUUID(), '{}');
    expect(refused.ok).toBe(false);
    expect(refused.ok ? '' : refused.reason).toContain('push.spoolMaxReports');
    expect(spool.list().map((e) => e.reportId)).toEqual(first);

    const bytes = new Spool(freshDir(), { maxReports: 100, maxBytes: 50 });
    expect(bytes.put(randomUUID(), 'x'.repeat(40)).ok).toBe(true);
    const over = bytes.put(randomUUID(), 'x'.repeat(20));
    expect(over.ok ? '' : over.reason).toContain('push.spoolMaxBytes');
  });

  it('moves a refused report aside with its reason', () => {
    const dir = freshDir();
    const spool = new Spool(dir, { maxReports: 10, maxBytes: 1e6 });
    const put = spool.put(randomUUID(), '{"bad":1}');
    if (!put.ok) throw new Error('put failed');
    const where = spool.quarantine(put.entry, 'collector said 400 at /devices/0/ip');
    expect(spool.depth().reports).toBe(0);
    expect(readFileSync(where, 'utf8')).toBe('{"bad":1}');
    expect(readFileSync(`${where}.reason.txt`, 'utf8')).toContain('/devices/0/ip');
  });

  it('refuses a report id that is not a UUID (it becomes a file name)', () => {
    const dir = freshDir();
    const spool = new Spool(dir, { maxReports: 10, maxBytes: 1e6 });
    expect(spool.put('../../etc/passwd-00000000000000000000', '{}').ok).toBe(false);
    expect(existsSync(join(dir, '..', 'etc'))).toBe(false);
  });
});
