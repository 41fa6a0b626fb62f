import { posix } from 'node:path';

/**
 * `.dockerignore`, as moby's `patternmatcher` reads and applies it: one pattern a line, `#` comments, a
 * leading `!` makes an exception, patterns are cleaned paths relative to the context root (a leading `/` is
 * dropped), and each is Go's `filepath.Match` syntax (`*`, `?`, `[...]`, `\` escapes) plus `**` for any
 * number of directories. The last pattern that matches a path decides; a path also matches when one of its
 * parent directories does.
 */
export interface IgnorePattern {
  exclusion: boolean;
  regexp: RegExp;
  text: string;
}

export function parseDockerignore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const exclusion = line.startsWith('!');
    if (exclusion) line = line.slice(1).trim();
    if (!line) continue;
    let cleaned = posix.normalize(line.replace(/^\/+/, ''));
    if (cleaned === '.' || cleaned === './') cleaned = '.';
    cleaned = cleaned.replace(/\/+$/, '');
    out.push({ exclusion, regexp: patternRegExp(cleaned), text: cleaned });
  }
  return out;
}

/** Whether `path` (relative to the context, `/`-separated) is excluded by `patterns`. */
export function isIgnored(path: string, patterns: IgnorePattern[]): boolean {
  const clean = posix.normalize(path).replace(/^\.\/?/, '').replace(/\/+$/, '');
  const parts = clean.split('/');
  let matched = false;
  for (const p of patterns) {
    if (p.exclusion !== matched) continue; // only a pattern that could change the answer is tried
    let match = p.regexp.test(clean);
    // moby's MatchesOrParentMatches: a parent dir of the path that the pattern matches excludes the path too.
    for (let n = 1; !match && n < parts.length; n++) match = p.regexp.test(parts.slice(0, n).join('/'));
    if (match) matched = !p.exclusion;
  }
  return matched;
}

/** Go's filepath.Match syntax with moby's `**`, as one anchored regular expression. */
export function patternRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` matches zero or more directories; a trailing `**` anything at all.
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^') || cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (ch === '\\' && i + 1 < pattern.length) {
      re += escapeRegExp(pattern[++i]);
    } else {
      re += escapeRegExp(ch);
    }
  }
  return new RegExp(`${re}$`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
