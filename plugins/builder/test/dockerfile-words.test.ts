import { isIgnored, parseDockerignore } from '../src/dockerignore';
import { execForm, parseDockerfile, stagesUpTo } from '../src/dockerfile';
import { keyValues, processWord, processWords, splitWords } from '../src/shell-words';
import { BuildCache } from '../src/build-cache';
import type { ImageRecord } from '@sockerless/sdk';
import { listedImages, unusedParentChain } from '../../image-store/src/image-parents';

describe('parseDockerfile', () => {
  const text = [
    'ARG BASE=busybox',
    'FROM $BASE AS Base',
    'ENV A=1 B="two words" \\',
    '  C=3',
    '# a comment',
    'COPY --from=base --chown=1:2 a b /c/',
    'RUN echo hi \\',
    '  && echo there',
    'FROM busybox',
    'CMD ["cat", "/g"]',
    '',
  ].join('\n');

  test('stages, meta args, flags, and the original line with continuations joined (moby node.Original)', () => {
    const parsed = parseDockerfile(text);
    expect(parsed.metaArgs.map((i) => i.original)).toEqual(['ARG BASE=busybox']);
    expect(parsed.stages.map((s) => [s.name, s.base])).toEqual([['base', '$BASE'], [undefined, 'busybox']]);
    const [env, copy, run] = parsed.stages[0].instructions;
    expect(env.original).toBe('ENV A=1 B="two words"   C=3');
    expect(copy.flags).toEqual(new Map([['from', 'base'], ['chown', '1:2']]));
    expect(copy.args).toBe('a b /c/');
    expect(run.original).toBe('RUN echo hi   && echo there');
    expect(execForm(parsed.stages[1].instructions[0].args)).toEqual(['cat', '/g']);
  });

  test('a target stops the stages there; an unknown target, instruction or flag is dockerd\'s error', () => {
    expect(stagesUpTo(parseDockerfile(text), 'BASE')).toHaveLength(1);
    expect(() => stagesUpTo(parseDockerfile(text), 'nope')).toThrow('failed to reach build target nope in Dockerfile');
    expect(() => parseDockerfile('FROM busybox\nFOO bar\n')).toThrow('dockerfile parse error line 2: unknown instruction: FOO');
    expect(() => parseDockerfile('FROM busybox\nCOPY --mode=1 a b\n')).toThrow('Unknown flag: mode');
    expect(() => parseDockerfile('')).toThrow('cannot be empty');
    expect(() => parseDockerfile('FROM busybox\nRUN <<EOF\necho x\nEOF\n')).toThrow(/heredocs are not supported by the classic builder/);
  });

  test('the escape directive changes the continuation character', () => {
    const parsed = parseDockerfile('# escape=`\nFROM busybox\nRUN echo a `\n  b\n');
    expect(parsed.escape).toBe('`');
    expect(parsed.stages[0].instructions[0].original).toBe('RUN echo a   b');
  });
});

describe('shell words (moby shell.Lex)', () => {
  const env = new Map([['A', 'x'], ['EMPTY', ''], ['SP', 'a b']]);
  test.each([
    ['$A', 'x'], ['${A}', 'x'], ['"$A y"', 'x y'], ["'$A'", '$A'], ['\\$A', '$A'], ['${NOPE:-dflt}', 'dflt'],
    ['${A:-dflt}', 'x'], ['${A:+set}', 'set'], ['${EMPTY:+set}', ''], ['pre${A}post', 'prexpost'], ['$', '$'],
  ])('%s -> %s', (word, out) => expect(processWord(word, env)).toBe(out));

  test('words split on unquoted whitespace; pairs for ENV and LABEL, the legacy form too', () => {
    expect(splitWords('a "b c" \'d e\'')).toEqual(['a', '"b c"', "'d e'"]);
    expect(processWords('$SP "$SP"', env)).toEqual(['a b', 'a b']);
    expect(keyValues('A=1 B="two words" C=$A', env, 'ENV')).toEqual([['A', '1'], ['B', 'two words'], ['C', 'x']]);
    expect(keyValues('KEY value with spaces', env, 'ENV')).toEqual([['KEY', 'value with spaces']]);
  });
});

describe('.dockerignore (moby patternmatcher)', () => {
  const patterns = parseDockerignore('# comment\n*.log\n!keep.log\n/build\ndocs/**/*.md\n!docs/README.md\n**/tmp\n');
  test.each([
    ['a.log', true], ['keep.log', false], ['sub/a.log', false], ['build', true], ['build/x/y', true],
    ['docs/a/b/c.md', true], ['docs/c.md', true], ['docs/README.md', false], ['x/y/tmp', true], ['x/y/tmp/f', true], ['src/main.c', false],
  ])('%s ignored: %s', (path, ignored) => expect(isIgnored(path, patterns)).toBe(ignored));
});

describe('the build cache key', () => {
  test('depends on the parent and on the probe, nothing else', () => {
    const k = BuildCache.keyOf('sha256:p', { createdBy: 'x', config: { Env: ['A=1'] } });
    expect(BuildCache.keyOf('sha256:p', { createdBy: 'x', config: { Env: ['A=1'] } })).toBe(k);
    expect(BuildCache.keyOf('sha256:q', { createdBy: 'x', config: { Env: ['A=1'] } })).not.toBe(k);
    expect(BuildCache.keyOf('sha256:p', { createdBy: 'x', config: { Env: ['A=2'] } })).not.toBe(k);
  });
});

describe('image parents (a build\'s intermediate images)', () => {
  const rec = (id: string, parent?: string, tags: string[] = []) => ({
    id, parent, repoTags: tags, repoDigests: [], created: '', size: 0, config: {}, layers: [], hasLayers: false,
  }) as unknown as ImageRecord;
  const all = [rec('base', undefined, ['busybox:latest']), rec('s1', 'base'), rec('s2', 's1'), rec('top', 's2', ['app:1']), rec('other', 's1', ['app:2'])];

  test('docker images hides untagged parents unless all', () => {
    expect(listedImages(all, false).map((r) => r.id)).toEqual(['base', 'top', 'other']);
    expect(listedImages(all, true)).toHaveLength(5);
  });

  test('a removal takes the untagged, unused parents that have no other child', () => {
    const after = all.filter((r) => r.id !== 'top');
    expect(unusedParentChain(after, all[3], () => false)).toEqual(['s2']);
    expect(unusedParentChain(after.filter((r) => r.id !== 'other'), all[3], () => false)).toEqual(['s2', 's1']);
    expect(unusedParentChain(after, all[3], (id) => id === 's2')).toEqual([]);
  });
});
