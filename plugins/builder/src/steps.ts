import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, utimesSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { InvalidArgumentError } from '@sockerless/sdk';
import { decompressIfNeeded } from '@sockerless/sdk/images';
import { applyLayer, resolveInRoot } from '@sockerless/sdk/images';
import { buildArgEnv, expansionEnv, type StageState } from './build-state';
import { BuildStepError, shortImageId, stepKey, type BuildSession } from './build-session';
import { copyLayerTar, planCopy, resolveOwner } from './copy-step';
import { execForm, type Instruction, type Stage } from './dockerfile';
import { processWord, processWords } from './shell-words';

/** dockerd colours a RUN's stderr red in the build stream (ANSI 91, reset after). */
const STDERR_START = '\u001b[91m';
const STDERR_END = '\u001b[0m';

/**
 * RUN: a container on the stage's image runs the command (shell form through the stage's SHELL), its output
 * in the stream; a non-zero exit fails the build with dockerd's message and that code; otherwise its
 * writable layer becomes the step's layer. Build args in scope prefix the command in the cache key and the
 * history (`|1 GREETING=hello /bin/sh -c ...`), as dockerd records them.
 */
export async function runStep(session: BuildSession, state: StageState, ins: Instruction): Promise<void> {
  if (!state.imageId) throw new BuildStepError('RUN needs a base image with a shell: the stage is still empty (FROM scratch)');
  const exec = execForm(ins.args);
  const cmd = exec ?? [...state.shell, ins.args];
  const args = buildArgEnv(state);
  const saveCmd = args.length ? [`|${args.length}`, ...args, ...cmd] : cmd;
  const key = stepKey(state, { run: saveCmd });
  if (await session.fromCache(state, key)) return;
  const { req, deps } = session;
  const result = await deps.runStep({
    imageId: state.imageId, cmd, env: [...(state.config.Env ?? []), ...args], config: state.config,
    networkMode: req.networkMode, extraHosts: req.extraHosts, shmSize: req.shmSize,
    onStarted: (id) => session.say(` ---> Running in ${id.slice(0, 12)}\n`),
    onOutput: (stream, data) => {
      if (stream === 'stderr') {
        session.say(`${STDERR_START}${data.toString('utf8')}${STDERR_END}`);
      } else {
        session.say(data.toString('utf8'));
      }
    },
  });
  if (result.exitCode !== 0) {
    if (req.forceRm) await result.remove().catch(() => undefined);
    throw new BuildStepError(`The command '${cmd.join(' ')}' returned a non-zero code: ${result.exitCode}`, result.exitCode);
  }
  try {
    const layer = await deps.images.blobs.ingestLayer(await result.layer());
    await session.commit(state, { key, createdBy: saveCmd.join(' '), containerCmd: saveCmd, containerId: result.containerId, layer });
  } finally {
    if (req.rm || req.forceRm) {
      await result.remove();
      session.say(`Removing intermediate container ${result.containerId.slice(0, 12)}\n`);
    }
  }
  session.say(` ---> ${shortImageId(state.imageId)}\n`);
}

/**
 * COPY and ADD: the sources (from the context, or `--from` a stage or an image) become one layer, keyed in
 * the cache by a hash of what is copied. ADD also downloads a URL and unpacks a local tar archive.
 */
export async function copyStep(session: BuildSession, state: StageState, ins: Instruction, escape: string, finished: { stage: Stage; state: StageState }[]): Promise<void> {
  const env = expansionEnv(state);
  const words = execForm(ins.args) ?? processWords(ins.args, env, escape);
  if (words.length < 2) throw new BuildStepError(`${ins.keyword} requires at least two arguments, but only one was provided. Destination could not be determined.`);
  const dest = words[words.length - 1];
  const sources = words.slice(0, -1);
  const parentRootfs = state.imageId ? await session.deps.images.ensureRootfs(state.imageId) : undefined;
  const chown = ins.flags.get('chown');
  const owner = resolveOwner(chown ? processWord(chown, env, escape) : undefined, parentRootfs);
  const mode = ins.flags.has('chmod') ? parseMode(ins.flags.get('chmod')!) : undefined;
  const work = join(session.deps.workRoot, `add-${randomBytes(6).toString('hex')}`);
  try {
    let root = session.req.context.dir;
    let from = '';
    const fromFlag = ins.flags.get('from');
    if (fromFlag) {
      const ref = processWord(fromFlag, env, escape);
      const imageId = stageOrImage(session, ref, finished);
      root = (await session.deps.images.ensureRootfs(imageId)) ?? join(work, 'empty');
      mkdirSync(root, { recursive: true });
      from = ` --from=${ref}`;
    }
    const planned = [];
    for (const src of sources) {
      if (ins.keyword === 'ADD' && /^https?:\/\//i.test(src)) {
        const file = await download(src, join(work, `url-${planned.length}`));
        planned.push({ root: join(work, `url-${planned.length}`), sources: [basename(file)] });
      } else if (ins.keyword === 'ADD' && !fromFlag && isArchiveName(src)) {
        const dir = join(work, `tar-${planned.length}`);
        mkdirSync(dir, { recursive: true });
        const archive = resolveInRoot(root, src);
        if (!archive) throw new BuildStepError(`ADD failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`);
        await applyLayer(Readable.from(decompressIfNeeded(createReadStream(archive))), dir);
        planned.push({ root: dir, sources: ['.'] });
      } else {
        planned.push({ root, sources: [src] });
      }
    }
    const many = sources.length > 1;
    if (many && !dest.endsWith('/')) throw new BuildStepError(`When using ${ins.keyword} with more than one source file, the destination must be a directory and end with a /`);
    const plans = planned.map((p) => planCopy({ root: p.root, sources: p.sources, dest: p.sources[0] === '.' && !dest.endsWith('/') ? `${dest}/` : dest, workdir: state.config.WorkingDir ?? '/', owner, mode }));
    const plan = { entries: plans.flatMap((p) => p.entries), contentId: plans.length === 1 ? plans[0].contentId : `multi:${plans.map((p) => p.contentId).join(',')}` };
    // posix.join keeps a trailing `/`, as dockerd's history line shows it (`in /app/ `).
    const destShown = posix.isAbsolute(dest) ? dest : posix.join(state.config.WorkingDir || '/', dest);
    const createdBy = `${state.shell.join(' ')} #(nop) ${ins.keyword}${from} ${plan.contentId} in ${destShown} `;
    const key = stepKey(state, { createdBy, owner, mode });
    if (await session.fromCache(state, key)) return;
    const layer = await session.deps.images.blobs.ingestLayer(copyLayerTar(plan, parentRootfs));
    await session.commit(state, { key, createdBy, containerCmd: [...state.shell, `#(nop) ${ins.keyword}${from} ${plan.contentId} in ${destShown} `], containerId: '', layer });
    session.say(` ---> ${shortImageId(state.imageId)}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `--from=<stage name | stage index | image>`: the image it names. */
function stageOrImage(session: BuildSession, ref: string, finished: { stage: Stage; state: StageState }[]): string {
  const byName = finished.find((f) => f.stage.name === ref.toLowerCase());
  if (byName) return byName.state.imageId;
  if (/^\d+$/.test(ref)) {
    const byIndex = finished[Number(ref)];
    if (!byIndex) throw new BuildStepError(`invalid from flag value ${ref}: index out of bounds`);
    return byIndex.state.imageId;
  }
  try {
    return session.deps.images.resolve(ref).id;
  } catch {
    throw new BuildStepError(`invalid from flag value ${ref}: No such image: ${ref}`);
  }
}

function isArchiveName(src: string): boolean {
  return /\.(tar|tar\.gz|tgz)$/i.test(src);
}

function parseMode(s: string): number {
  if (!/^[0-7]{3,4}$/.test(s)) throw new InvalidArgumentError(`invalid chmod parameter: ${s}`);
  return parseInt(s, 8);
}

/** ADD <url>: the file is fetched (mode 0600 and the Last-Modified time, as dockerd writes it). */
async function download(url: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const res = await fetch(url).catch((err: Error) => {
    throw new BuildStepError(`error downloading ${url}: ${(err.cause as Error | undefined)?.message ?? err.message}`);
  });
  if (!res.ok || !res.body) throw new BuildStepError(`Got HTTP status code >= 400: ${res.status} ${res.statusText}`);
  const name = basename(new URL(url).pathname) || 'download';
  const file = join(dir, name);
  await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), createWriteStream(file, { mode: 0o600 }));
  const modified = Date.parse(res.headers.get('last-modified') ?? '');
  if (Number.isFinite(modified)) utimesSync(file, new Date(modified), new Date(modified));
  return file;
}

/**
 * WORKDIR's layer: dockerd makes the directory in a container and commits it (daemon ContainerCreateWorkdir),
 * so the step always adds a layer, holding the directory when the parent lacked it and nothing otherwise.
 */
export async function workdirLayer(session: BuildSession, state: StageState): Promise<{ diffId: string; size: number }> {
  const parentRootfs = state.imageId ? await session.deps.images.ensureRootfs(state.imageId) : undefined;
  const dir = posix.normalize(state.config.WorkingDir ?? '/').replace(/^\/+|\/+$/g, '');
  const exists = !dir || (parentRootfs !== undefined && resolveInRoot(parentRootfs, dir) !== undefined);
  const entries = exists ? [] : [{ name: dir, type: 'directory' as const, mode: 0o755, uid: 0, gid: 0, mtime: new Date() }];
  return session.deps.images.blobs.ingestLayer(copyLayerTar({ entries, contentId: '' }, parentRootfs));
}
