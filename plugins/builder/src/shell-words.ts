import { InvalidArgumentError } from '@sockerless/sdk';

/**
 * The Dockerfile's word processing, as moby's `shell.Lex` does it for the instructions that expand variables
 * (FROM, ENV, ARG, LABEL, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, COPY, ADD): quotes are removed, the escape
 * character escapes, `$VAR`, `${VAR}`, `${VAR:-word}` and `${VAR:+word}` expand from the build's environment.
 * RUN, CMD and ENTRYPOINT are not processed here: their shell does it when it runs.
 */
export type Env = ReadonlyMap<string, string>;

/** Splits an instruction's arguments into words on unquoted whitespace, keeping quotes (moby's parseWords). */
export function splitWords(rest: string, escape = '\\'): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i];
    if (ch === escape && quote !== "'" && i + 1 < rest.length) {
      word += ch + rest[++i];
      continue;
    }
    if (quote) {
      if (ch === quote) quote = undefined;
      word += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      word += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      if (word) words.push(word);
      word = '';
      continue;
    }
    word += ch;
  }
  if (word) words.push(word);
  return words;
}

/** One word with its quotes removed and its variables expanded (moby's ProcessWord). */
export function processWord(word: string, env: Env, escape = '\\'): string {
  return new WordLexer(word, env, escape).run();
}

/** Every word of `rest`, processed (moby's ProcessWords): an empty expansion outside quotes is no word. */
export function processWords(rest: string, env: Env, escape = '\\'): string[] {
  return splitWords(rest, escape).map((w) => processWord(w, env, escape)).filter((w, i, all) => w !== '' || all.length === 1);
}

class WordLexer {
  private pos = 0;

  constructor(private readonly text: string, private readonly env: Env, private readonly escape: string) {}

  run(stopAt?: string): string {
    let out = '';
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos];
      if (stopAt && ch === stopAt) return out;
      if (ch === this.escape) {
        this.pos++;
        if (this.pos < this.text.length) out += this.text[this.pos++];
      } else if (ch === "'") {
        out += this.singleQuoted();
      } else if (ch === '"') {
        out += this.doubleQuoted();
      } else if (ch === '$') {
        out += this.variable();
      } else {
        out += ch;
        this.pos++;
      }
    }
    return out;
  }

  private singleQuoted(): string {
    const end = this.text.indexOf("'", this.pos + 1);
    if (end < 0) throw new InvalidArgumentError(`unexpected end of statement while looking for matching single-quote`);
    const s = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return s;
  }

  private doubleQuoted(): string {
    this.pos++;
    let out = '';
    while (this.pos < this.text.length && this.text[this.pos] !== '"') {
      const ch = this.text[this.pos];
      if (ch === '$') {
        out += this.variable();
      } else if (ch === this.escape && '"$'.includes(this.text[this.pos + 1] ?? '') || ch === this.escape && this.text[this.pos + 1] === this.escape) {
        out += this.text[this.pos + 1];
        this.pos += 2;
      } else {
        out += ch;
        this.pos++;
      }
    }
    if (this.pos >= this.text.length) throw new InvalidArgumentError('unexpected end of statement while looking for matching double-quote');
    this.pos++;
    return out;
  }

  private variable(): string {
    this.pos++;
    const next = this.text[this.pos];
    if (next === '{') {
      this.pos++;
      const name = this.name();
      const close = this.text[this.pos];
      if (close === '}') {
        this.pos++;
        return this.env.get(name) ?? '';
      }
      if (close === ':' && '-+?'.includes(this.text[this.pos + 1] ?? '')) {
        const op = this.text[this.pos + 1];
        this.pos += 2;
        const word = this.run('}');
        if (this.text[this.pos] !== '}') throw new InvalidArgumentError(`missing '}' in ${this.text}`);
        this.pos++;
        const value = this.env.get(name) ?? '';
        if (op === '-') return value || word;
        if (op === '+') return value ? word : '';
        if (!value) throw new InvalidArgumentError(`${name}: ${word || 'is not allowed to be unset'}`);
        return value;
      }
      throw new InvalidArgumentError(`bad substitution: \${${name}${close ?? ''}...} in ${this.text}`);
    }
    const name = this.name();
    if (!name) return '$';
    return this.env.get(name) ?? '';
  }

  private name(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (!m) return '';
    this.pos += m[0].length;
    return m[0];
  }
}

/**
 * `KEY=VALUE ...` pairs of ENV and LABEL (moby's parseNameVal), each value processed; the legacy
 * `KEY value with spaces` form (no `=` in the first word) is one pair.
 */
export function keyValues(rest: string, env: Env, what: string, escape = '\\'): [string, string][] {
  const words = splitWords(rest, escape);
  if (words.length === 0) throw new InvalidArgumentError(`${what} requires at least one argument`);
  if (!words[0].includes('=')) {
    if (words.length < 2) throw new InvalidArgumentError(`${what} must have two arguments`);
    const value = rest.trim().slice(words[0].length).trim();
    return [[words[0], processWord(value, env, escape)]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`${what} names can not be blank`);
    return [processWord(w.slice(0, eq), env, escape), processWord(w.slice(eq + 1), env, escape)];
  });
}
