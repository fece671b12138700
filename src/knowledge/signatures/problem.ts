/**
 * One thing wrong with the signature or rule data, at a file and line, so `camsweep verify`
 * can print `path:line: message` (docs/architecture.md §6 practice 4). The rules engineer's
 * `verifyRules()` (src/knowledge/classify/verify.ts) returns the same shape.
 */
export interface Problem {
  /** Path as shown to the user: relative to the package root when inside it. */
  readonly file: string;
  /** 1-based line; 0 when the problem is about the file as a whole. */
  readonly line: number;
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}: ${p.message}`;
}
