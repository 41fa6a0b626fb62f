import { InvalidArgumentError, newObjectId, NotFoundError, NotImplementedError } from '@sockerless/sdk';
import type { ProgressWriter } from '@sockerless/sdk/images';
import { familiarString } from '@sockerless/sdk/images';
import { buildArgEnv, DEFAULT_SHELL, type StageState } from './build-state';
import { assertPlatform, BuildSession, BuildStepError, shortImageId, stepKey, type BuildDeps, type BuildRequest } from './build-session';
import { parseDockerfile, stagesUpTo, type Instruction, type Stage } from './dockerfile';
import { isBuiltinArg, metadataStep } from './instructions';
import { processWord } from './shell-words';
import { copyStep, runStep, workdirLayer } from './steps';

/**
 * `docker build` with the classic builder (dockerd's builder/dockerfile): every stage up to the target, each
 * instruction a step printed as `Step n/m : ...`, each step committed as an image (cached by parent and
 * content), then the last stage's image tagged. Errors before the first step are thrown (the route answers
 * them as HTTP errors, as dockerd does before it flushes output); later ones are thrown after progress was
 * written, and the route puts them in the stream.
 */
export async function runBuild(deps: BuildDeps, req: BuildRequest, write: ProgressWriter): Promise<string> {
  assertPlatform(req.platform);
  const parsed = parseDockerfile(req.context.dockerfile, req.context.dockerfileName);
  const stages = stagesUpTo(parsed, req.target);
  if (req.runSupported === false && stages.some((s) => s.instructions.some((i) => i.keyword === 'RUN'))) {
    throw new NotImplementedError('RUN steps are not supported by this daemon\'s backends: none can read a container\'s filesystem layer (backend-local can)');
  }
  const last = stages[stages.length - 1];
  last.instructions.push(...labelInstructions(req.labels));
  const total = parsed.metaArgs.length + stages.reduce((n, s) => n + 1 + s.instructions.length, 0);
  const session = new BuildSession(deps, req, write);
  const escape = parsed.escape;
  const metaArgs = new Map<string, string | undefined>();
  const consumed = new Set<string>();
  let step = 0;
  const stepLine = (ins: Instruction) => {
    if (req.isCancelled?.()) throw new BuildStepError('the build was cancelled: the client closed the connection');
    step++;
    session.say(`Step ${step}/${total} : ${ins.original}`);
    session.say('\n');
  };
  try {
    for (const ins of parsed.metaArgs) {
      stepLine(ins);
      const text = ins.args.trim();
      const eq = text.indexOf('=');
      const name = eq < 0 ? text : text.slice(0, eq);
      const given = req.buildArgs.get(name);
      metaArgs.set(name, given ?? (eq < 0 ? undefined : processWord(text.slice(eq + 1), definedOnly(metaArgs), escape)));
      if (req.buildArgs.has(name)) consumed.add(name);
    }
    const finished: { stage: Stage; state: StageState }[] = [];
    let state: StageState | undefined;
    for (const stage of stages) {
      stepLine(stage.from);
      state = await fromStep(session, stage, finished, definedOnly(metaArgs), escape);
      await runTriggers(session, state, escape, consumed);
      for (const ins of stage.instructions) {
        stepLine(ins);
        await dispatch(session, state, ins, escape, consumed, finished, metaArgs);
      }
      if (!state.imageId) throw new InvalidArgumentError('No image was generated. Is your Dockerfile empty?');
      session.aux(state.imageId);
      finished.push({ stage, state });
    }
    const imageId = state!.imageId;
    const unused = [...req.buildArgs.keys()].filter((k) => !consumed.has(k) && !isBuiltinArg(k)).sort();
    if (unused.length) session.say(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    session.say(`Successfully built ${shortImageId(imageId)}\n`);
    for (const ref of req.tags) {
      await deps.images.tag(imageId, familiarString({ ...ref, tag: undefined }), ref.tag);
      session.say(`Successfully tagged ${familiarString(ref)}\n`);
    }
    if (req.quiet) write({ stream: `${imageId}\n` });
    return imageId;
  } finally {
    session.release();
  }
}

function definedOnly(args: Map<string, string | undefined>): Map<string, string> {
  return new Map([...args].filter((e): e is [string, string] => e[1] !== undefined));
}

/** `--label` options: dockerd appends one LABEL step per label, keys sorted, printed unquoted (`LABEL a=x y`). */
function labelInstructions(labels: Record<string, string>): Instruction[] {
  return Object.keys(labels).sort().map((k) => ({
    keyword: 'LABEL', args: `${JSON.stringify(k)}=${JSON.stringify(labels[k])}`, flags: new Map(), original: `LABEL ${k}=${labels[k]}`, line: 0,
  }));
}

/** FROM: an earlier stage by name, `scratch`, or an image (pulled when missing or when `pull` asks). */
async function fromStep(session: BuildSession, stage: Stage, finished: { stage: Stage; state: StageState }[], metaEnv: Map<string, string>, escape: string): Promise<StageState> {
  const base = processWord(stage.base, metaEnv, escape);
  if (stage.platform) assertPlatform(processWord(stage.platform, metaEnv, escape));
  const state: StageState = { imageId: '', image: {}, config: {}, args: new Map(), shell: DEFAULT_SHELL, cmdSetInStage: false };
  const earlier = finished.find((f) => f.stage.name === base.toLowerCase());
  if (earlier) {
    session.adopt(state, earlier.state.imageId);
  } else if (base.toLowerCase() === 'scratch') {
    // dockerd prints no image id for scratch: the stage has none until its first step commits.
    state.config = { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] };
    return state;
  } else {
    session.adopt(state, await baseImage(session, base));
  }
  if (state.config.Shell?.length) state.shell = state.config.Shell;
  session.say(` ---> ${shortImageId(state.imageId)}\n`);
  return state;
}

async function baseImage(session: BuildSession, ref: string): Promise<string> {
  const { images } = session.deps;
  const local = () => { try { return images.resolve(ref).id; } catch { return undefined; } };
  const have = local();
  if (have && !session.req.pull) return have;
  try {
    await images.pull({ fromImage: ref, platform: session.req.platform }, (msg) => session.raw(msg));
  } catch (err) {
    if (have) return have;
    if (err instanceof NotFoundError) throw new NotFoundError(`pull access denied for ${ref}, repository does not exist or may require 'docker login'`);
    throw err;
  }
  return local() ?? images.resolve(ref).id;
}

/** ONBUILD triggers of the base image run right after FROM, as dockerd runs them; the child keeps none. */
async function runTriggers(session: BuildSession, state: StageState, escape: string, consumed: Set<string>): Promise<void> {
  const triggers = state.config.OnBuild ?? [];
  if (triggers.length === 0) return;
  session.say(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
  state.config.OnBuild = [];
  for (const trigger of triggers) {
    const ins = parseDockerfile(`FROM scratch\n${trigger}\n`).stages[0].instructions[0];
    await dispatch(session, state, ins, escape, consumed, [], new Map());
  }
}

async function dispatch(
  session: BuildSession, state: StageState, ins: Instruction, escape: string, consumed: Set<string>,
  finished: { stage: Stage; state: StageState }[], metaArgs: Map<string, string | undefined>,
): Promise<void> {
  if (ins.keyword === 'RUN') return runStep(session, state, ins);
  if (ins.keyword === 'COPY' || ins.keyword === 'ADD') return copyStep(session, state, ins, escape, finished);
  const prior = structuredClone(state.config);
  if (ins.keyword === 'ARG') {
    // An ARG without a default takes the value of the same ARG before FROM.
    const name = ins.args.trim().split('=')[0];
    if (!ins.args.includes('=') && metaArgs.get(name) !== undefined && !session.req.buildArgs.has(name)) {
      ins = { ...ins, args: `${name}=${metaArgs.get(name)}` };
    }
  }
  const meta = metadataStep(ins, state, escape, session.req.buildArgs);
  if (meta.arg) {
    state.args.set(meta.arg.name, meta.arg.value);
    if (session.req.buildArgs.has(meta.arg.name)) consumed.add(meta.arg.name);
  }
  if (meta.shell) state.shell = meta.shell;
  if (ins.keyword === 'CMD') state.cmdSetInStage = true;
  const createdBy = meta.nopCmd.join(' ');
  const key = stepKey({ ...state, config: prior }, { createdBy, args: buildArgEnv(state), author: meta.author });
  state.config = meta.config;
  if (state.imageId && await session.fromCache(state, key)) return;
  if (meta.author) state.image = { ...state.image, author: meta.author };
  // A metadata step's "Running in": dockerd creates and removes a container there.
  const containerId = newObjectId();
  session.say(` ---> Running in ${containerId.slice(0, 12)}\n`);
  const layer = ins.keyword === 'WORKDIR' ? await workdirLayer(session, state) : undefined;
  await session.commit(state, { key, createdBy, containerCmd: meta.nopCmd, containerId, author: meta.author, layer });
  session.say(`Removing intermediate container ${containerId.slice(0, 12)}\n`);
  session.say(` ---> ${shortImageId(state.imageId)}\n`);
}
