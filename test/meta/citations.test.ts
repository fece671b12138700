/**
 * Every citation a reader meets must lead somewhere they can open: a `docs/<file>.md §N` whose
 * section exists, a repository path that exists, or (for YAML `source:` fields) a public
 * reference. The notes the code once cited by bare name (design.md, protocols.md, rules.md)
 * live outside the repository, so citing them bare is refused (docs/README.md explains the form).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SCANNED = ['src', 'agent', 'signatures', 'systemd', 'test'];
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git']);
const TEXT_EXTS = new Set([
  '.ts',
  '.js',
  '.mjs',
  '.md',
  '.yaml',
  '.yml',
  '.json',
  '.jsonl',
  '.py',
  '.sh',
  '.service',
  '.timer',
  '.conf',
  '.txt',
  '.xml',
  '.snmprec',
  '.csv',
]);
/** Languages whose comments start with `#`; the rest of the scanned code uses `//` and `/* *\/`. */
const HASH_COMMENT_EXTS = new Set(['.yaml', '.yml', '.py', '.sh', '.service', '.timer', '.conf']);
/** Top-level folders a comment may name as a path from the repository root. */
const ROOTED_PATH = /(?<![\w./-])((?:src|agent|signatures|systemd|test|docs)\/[\w./-]*[\w/])/g;
const BARE_NOTE = /(?<![\w/.-])(design|protocols|rules)\.md/g;
const DOCS_CITATION = /docs\/([\w-]+)\.md`?\)?((?:\s*(?:,|;|-|–|and)?\s*§\s?\d+(?:\.\d+)*)*)/g;

/**
 * Folders the layout in docs/architecture.md §2 names: a comment may name a wing that is
 * declared there even while the branch that creates it is still open.
 */
const DECLARED_WINGS = new Set(
  [...readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8').matchAll(/^(src\/[\w-]+)\/\s/gm)].map(
    (m) => m[1],
  ),
);
/** `owner/repo path`: a path inside another public repository, not ours. */
const OTHER_REPO_BEFORE = /[\w.-]+\/[\w.-]+\s+`?$/;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else if (TEXT_EXTS.has(extname(name))) out.push(path);
  }
  return out;
}

/** Section numbers a docs file defines in its headings (`## 1.`, `### 1.4 …`). */
function sectionsOf(docFile: string): Set<string> {
  const found = new Set<string>();
  for (const line of readFileSync(docFile, 'utf8').split('\n')) {
    const m = /^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/.exec(line);
    if (m?.[1]) found.add(m[1]);
  }
  return found;
}

/** The comment text of one source line (the whole line for Markdown). */
function commentOf(line: string, ext: string): string | undefined {
  if (ext === '.md') return line;
  if (HASH_COMMENT_EXTS.has(ext)) {
    const at = line.search(/(^|\s)#/);
    return at < 0 ? undefined : line.slice(at);
  }
  if (ext === '.ts' || ext === '.js' || ext === '.mjs') {
    const trimmed = line.trimStart();
    if (trimmed.startsWith('*') || trimmed.startsWith('/*') || trimmed.startsWith('//')) return trimmed;
    const at = line.indexOf(' // ');
    return at < 0 ? undefined : line.slice(at);
  }
  return undefined;
}

interface Problem {
  file: string;
  line: number;
  message: string;
}

function citationProblems(): Problem[] {
  const problems: Problem[] = [];
  const sectionCache = new Map<string, Set<string> | null>();
  const sections = (name: string): Set<string> | null => {
    if (!sectionCache.has(name)) {
      const path = join(ROOT, 'docs', `${name}.md`);
      sectionCache.set(name, existsSync(path) ? sectionsOf(path) : null);
    }
    return sectionCache.get(name) ?? null;
  };
  for (const top of SCANNED) {
    for (const path of filesUnder(join(ROOT, top))) {
      const file = relative(ROOT, path);
      if (file === 'test/meta/citations.test.ts') continue;
      const ext = extname(path);
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          const report = (message: string) => problems.push({ file, line: i + 1, message });
          for (const m of text.matchAll(BARE_NOTE))
            report(
              `cites ${m[0]} outside docs/: write docs/${m[1] === 'design' ? 'architecture' : m[1] === 'rules' ? 'regulations' : m[1]}.md`,
            );
          for (const m of text.matchAll(DOCS_CITATION)) {
            const [, name, refs] = m;
            const known = sections(name ?? '');
            if (!known) {
              report(`cites docs/${name}.md, which does not exist`);
              continue;
            }
            for (const s of (refs ?? '').matchAll(/§\s?(\d+(?:\.\d+)*)/g))
              if (!known.has(s[1] ?? '')) report(`cites docs/${name}.md §${s[1]}, which has no such section`);
          }
          const comment = commentOf(text, ext);
          if (comment === undefined) return;
          for (const m of comment.matchAll(ROOTED_PATH)) {
            const cited = m[1] ?? '';
            if (/[<>*{}]/.test(cited) || cited.includes('…')) continue;
            // A template such as `test/fixtures/fuzz/<target>/` names a folder made at run time.
            if (/^[<*{…]/.test(comment.slice((m.index ?? 0) + m[0].length))) continue;
            if (OTHER_REPO_BEFORE.test(comment.slice(0, m.index))) continue;
            const fromFile = ext === '.md' && existsSync(join(dirname(path), cited));
            if (existsSync(join(ROOT, cited)) || fromFile || DECLARED_WINGS.has(cited)) continue;
            report(`names ${cited}, which does not exist`);
          }
        });
    }
  }
  return problems;
}

describe('citations', () => {
  const problems = citationProblems();
  const show = (p: Problem) => `${p.file}:${p.line}: ${p.message}`;

  it('cite docs/ notes by their repository path, never the bare out-of-repo names', () => {
    expect(
      problems.filter((p) => p.message.startsWith('cites ') && p.message.includes('outside docs/')).map(show),
    ).toEqual([]);
  });

  it('cite only docs files and sections that exist', () => {
    expect(problems.filter((p) => p.message.startsWith('cites docs/')).map(show)).toEqual([]);
  });

  it('name only repository paths that exist in comments', () => {
    expect(problems.filter((p) => p.message.startsWith('names ')).map(show)).toEqual([]);
  });

  it('give YAML source fields a public reference, not a docs/ page', () => {
    const offenders: string[] = [];
    for (const path of filesUnder(join(ROOT, 'signatures'))) {
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          const m = /\bsources?:\s*("?)(.*)/.exec(text);
          if (m?.[2] && /docs\/[\w-]+\.md/.test(m[2])) offenders.push(`${relative(ROOT, path)}:${i + 1}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it('would catch each kind of broken citation', () => {
    // The checker itself must be able to fail: a section that does not exist is not in the set.
    const protocols = sectionsOf(join(ROOT, 'docs', 'protocols.md'));
    expect(protocols.has('1.4')).toBe(true);
    expect(protocols.has('9.9')).toBe(false);
    expect('see rules.md §2'.match(BARE_NOTE)).not.toBeNull();
    expect('see docs/regulations.md §2'.match(BARE_NOTE)).toBeNull();
    expect(commentOf(' * reads src/agent/nowhere.ts', '.ts')).toContain('src/agent/nowhere.ts');
  });
});
