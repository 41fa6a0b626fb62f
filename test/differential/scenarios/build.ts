/**
 * `POST /build` with the classic builder (issue 14, item 1) beside dockerd 20.10's: the progress stream line
 * by line (ids normalised), the cache on a second build, the built image's config and history, a failing
 * RUN step, errors before the first step, and /build/prune's answer shape.
 */
import type { HttpStep, Scenario } from '../model';
import { BUSYBOX } from './steps';

/** A ustar archive of small ASCII files, as a string the runner sends as it is (every byte below 0x80). */
export function asciiTar(files: Record<string, string>): string {
  const block = (s: string) => s + '\0'.repeat((512 - (s.length % 512)) % 512);
  const field = (v: string, len: number) => v.slice(0, len).padEnd(len, '\0');
  const octal = (n: number, len: number) => `${n.toString(8).padStart(len - 1, '0')}\0`;
  let out = '';
  for (const [name, content] of Object.entries(files)) {
    let header = field(name, 100) + octal(0o644, 8) + octal(0, 8) + octal(0, 8) + octal(content.length, 12) + octal(1704067200, 12)
      + ' '.repeat(8) + '0' + field('', 100) + field('ustar', 6) + '00' + field('', 32) + field('', 32) + octal(0, 8) + octal(0, 8) + field('', 155);
    header = header.padEnd(512, '\0');
    const sum = [...header].reduce((n, ch) => n + ch.charCodeAt(0), 0);
    header = header.slice(0, 148) + `${sum.toString(8).padStart(6, '0')}\0 ` + header.slice(156);
    out += header + block(content);
  }
  return out + '\0'.repeat(1024);
}

const DOCKERFILE = `ARG BASE=${BUSYBOX}
FROM $BASE AS base
ARG GREETING=hello
ENV A=1 B="two words"
LABEL x=y
WORKDIR /app
RUN echo $GREETING > /app/g && echo out
COPY f.txt /app/
EXPOSE 80/tcp
USER 1000
CMD ["cat", "/app/g"]

FROM ${BUSYBOX}
COPY --from=base /app/g /g
ENTRYPOINT ["cat"]
`;

const CONTEXT = asciiTar({ Dockerfile: DOCKERFILE, 'f.txt': 'hi\n', '.dockerignore': 'secret\n', secret: 'no\n' });
const FAILING = asciiTar({ Dockerfile: `FROM ${BUSYBOX}\nRUN echo before\nRUN exit 3\n` });
const TAR = { 'Content-Type': 'application/x-tar' };

const build = (as: string, query: Record<string, string>, rawBody = CONTEXT): HttpStep => ({ as, method: 'POST', path: '/build', query, rawBody, headers: TAR, compare: { rawStream: true } });

export const buildScenarios: Scenario[] = [
  {
    name: 'build: classic builder',
    steps: [
      build('first build', { t: 'diff-build:base', target: 'base', buildargs: '{"GREETING":"bonjour"}', rm: '1' }),
      build('cached build', { t: 'diff-build:base', target: 'base', buildargs: '{"GREETING":"bonjour"}', rm: '1' }),
      build('quiet multi-stage build', { t: 'diff-build:final', q: '1' }),
      { as: 'inspect built', method: 'GET', path: '/images/diff-build:base/json', compare: { fields: ['Config.Env', 'Config.Cmd', 'Config.User', 'Config.WorkingDir', 'Config.Labels', 'Config.ExposedPorts', 'Config.Entrypoint', { path: 'Parent', how: 'type' }, { path: 'RootFS.Layers', how: 'keys' }] } },
      { as: 'history', method: 'GET', path: '/images/diff-build:base/history', compare: { fields: [{ path: '', how: 'keys' }, { path: '*.Id', how: 'normalised' }, { path: '*.CreatedBy', how: 'normalised' }, '*.Tags', '*.Comment'] } },
      { as: 'run built', cli: ['run', '--rm', '--pull', 'never', 'diff-build:final', '/g'], compare: { text: true } },
      build('failing RUN', { t: 'diff-build:broken' }, FAILING),
      { as: 'broken not tagged', method: 'GET', path: '/images/diff-build:broken/json' },
      build('unknown target', { target: 'nope' }),
      build('missing Dockerfile', { dockerfile: 'nope/Dockerfile' }),
      { as: 'remove built', cli: ['rmi', 'diff-build:base', 'diff-build:final'] },
    ],
  },
];
