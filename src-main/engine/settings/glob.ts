/**
 * Exclusion patterns, gitignore-like and small enough to read (Node 20 has no stable glob matcher):
 * - a pattern without `/` matches a name at any depth: `*.tmp`, `node_modules`, `~$*`;
 * - a pattern with `/` matches a whole absolute path (`~/` is the user's home): `~/Downloads/**`;
 * - `*` and `?` never cross a `/`; `**` crosses any number of folders; `[abc]`, `[a-z]`, `[!…]`;
 * - a trailing `/` matches folders only (`build/`).
 * Matching is case-insensitive where the platform's file names are (Windows, macOS).
 */
export interface Glob {
  readonly pattern: string;
  /** True when the pattern names a folder only. */
  readonly dirOnly: boolean;
  /** Matched against a name (no `/`) or against an absolute path with `/` separators. */
  readonly anchored: boolean;
  test(nameOrPath: string): boolean;
}

export class GlobError extends Error {}

export function compileGlob(pattern: string, opts: { home: string; caseInsensitive: boolean }): Glob {
  let p = pattern.trim();
  if (p === '' || p === '/' || p.includes('\0')) throw new GlobError('empty pattern');
  const dirOnly = p.length > 1 && p.endsWith('/');
  if (dirOnly) p = p.slice(0, -1);
  if (p.startsWith('~/') || p === '~') p = toSlashes(opts.home).replace(/\/$/, '') + p.slice(1);
  p = toSlashes(p);
  const anchored = p.includes('/');
  // `dir/**` is the folder and everything below it, not only its contents.
  const body = p.endsWith('/**') ? `${translate(p.slice(0, -3))}(?:/.*)?` : translate(p);
  const re = new RegExp(`^${body}$`, opts.caseInsensitive ? 'i' : '');
  return { pattern, dirOnly, anchored, test: (s) => re.test(s) };
}

/** Windows paths compare with `/` separators. */
export function toSlashes(path: string): string {
  return path.replace(/\\/g, '/');
}

function translate(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') {
      if (p[i + 1] === '*') {
        // `**/` matches zero or more folders; a trailing `/**` everything below.
        const slashAfter = p[i + 2] === '/';
        out += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = p.indexOf(']', i + 2);
      if (end < 0) throw new GlobError(`unclosed “[” in “${p}”`);
      let body = p.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      if (body === '') throw new GlobError(`empty “[]” in “${p}”`);
      // A negated class never matches the separator: `[!a]` stays within one name.
      out += `[${negate ? '^/' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return out;
}
