import { AwsError } from '../errors';

/**
 * CloudWatch Logs' text filter patterns: `ERROR` (term), `ERROR Exception` (every term), `"disk full"`
 * (a phrase), `?ERROR ?WARN` (any of them), `-DEBUG` (must not appear). Terms are case-sensitive, as in the
 * real service. JSON (`{ $.x = 1 }`) and space-delimited (`[ip, user]`) patterns are not supported.
 */
export type Matcher = (message: string) => boolean;

export function compileFilterPattern(pattern: string | undefined): Matcher {
  const text = (pattern ?? '').trim();
  if (text === '' || text === '""') return () => true;
  if (text.startsWith('{') || text.startsWith('[')) {
    throw new AwsError('InvalidParameterException', `the Sockerless simulator supports only text filter patterns (terms, "phrases", ?any, -exclude), not JSON or space-delimited patterns: ${text}`);
  }
  const all: string[] = [];
  const any: string[] = [];
  const none: string[] = [];
  for (const token of tokenize(text)) {
    if (token.text === '') continue;
    if (token.prefix === '?') any.push(token.text);
    else if (token.prefix === '-') none.push(token.text);
    else all.push(token.text);
  }
  return (m) => all.every((t) => m.includes(t)) && (any.length === 0 || any.some((t) => m.includes(t))) && !none.some((t) => m.includes(t));
}

function tokenize(text: string): Array<{ prefix: '' | '?' | '-'; text: string }> {
  const out: Array<{ prefix: '' | '?' | '-'; text: string }> = [];
  const re = /([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const quoted = m[2] !== undefined;
    out.push({ prefix: m[1] as '' | '?' | '-', text: quoted ? m[2].replace(/\\(.)/g, '$1') : m[3] });
  }
  return out;
}
