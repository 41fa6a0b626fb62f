import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, statSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { AGENT_ENTRYPOINT, DEFAULT_PATH, isStaticElf, UnavailableError, type WorkloadMount } from '@sockerless/sdk';

/**
 * The read-only bind mounts that make `/.sockerless/agent` run in ANY root filesystem (busybox has no node,
 * no libc): the host's node with its own shared libraries and dynamic loader, a static busybox as the
 * script interpreter, the compiled agent and the node_modules it loads. A simulator running a cloud
 * workload in the local sandbox adds them, as if the image had been overlaid with the agent.
 */

const AGENT_DIR = '/.sockerless';
const IN_SANDBOX = {
  node: `${AGENT_DIR}/node`,
  lib: `${AGENT_DIR}/lib`,
  busybox: `${AGENT_DIR}/busybox`,
  /** The host folder that holds the agent's node_modules, mirrored, so Node's resolution walks the same way. */
  app: `${AGENT_DIR}/app`,
};

/** The packages the agent requires at run time (their own dependencies sit next to them). */
const AGENT_PACKAGES = ['ws', 'tar-stream', '@sockerless/sdk'];

let cached: WorkloadMount[] | undefined;

export function agentSandboxMounts(): WorkloadMount[] {
  // The script lives in the temp dir, which a cleaner may empty while the daemon runs.
  if (!cached || !cached.every((m) => existsSync(m.source))) cached = computeMounts();
  return cached.map((m) => ({ ...m }));
}

function computeMounts(): WorkloadMount[] {
  const ro = (source: string, target: string): WorkloadMount => ({ type: 'bind', source, target, readOnly: true });
  const agentRoot = findAgentRoot();
  const mainJs = join(agentRoot, 'dist', 'main.js');
  if (!existsSync(mainJs)) throw new UnavailableError(`the workload agent is not built: ${mainJs} is missing (run \`tsc -b agent\`)`);
  const busybox = findStaticBusybox();
  const node = realpathSync(process.execPath);
  const libs = sharedLibraries(node);
  const loader = libs.find((l) => l.isLoader);

  const mounts: WorkloadMount[] = [
    ro(node, IN_SANDBOX.node),
    ro(privateCopy(busybox, 'busybox'), IN_SANDBOX.busybox),
    ...libs.map((l) => ro(l.hostPath, `${IN_SANDBOX.lib}/${l.name}`)),
  ];
  const holders = packageHolders(agentRoot);
  // The folder the outermost node_modules sits in (the install's or the workspace's root) is mirrored at IN_SANDBOX.app.
  const appRoot = dirname(holders.find((h) => relative(agentRoot, h) !== 'node_modules') ?? join(agentRoot, 'node_modules'));
  const inApp = (hostPath: string) => {
    const rel = relative(appRoot, hostPath);
    if (rel.startsWith('..')) throw new UnavailableError(`the workload agent's files must sit under ${appRoot}, but ${hostPath} does not`);
    return `${IN_SANDBOX.app}/${rel}`;
  };
  for (const holder of holders) mounts.push(ro(holder, inApp(holder)));
  // A workspace links @sockerless/agent and @sockerless/sdk into node_modules (`../../sdk`): mount the packages
  // themselves where those links point; an installed package already sits inside a mounted node_modules.
  const sdkRoot = realpathSync(join(holders.find((h) => existsSync(join(h, '@sockerless', 'sdk')))!, '@sockerless', 'sdk'));
  for (const pkg of [agentRoot, sdkRoot]) {
    if (holders.some((h) => !relative(h, pkg).startsWith('..'))) continue;
    mounts.push(ro(join(pkg, 'dist'), `${inApp(pkg)}/dist`), ro(join(pkg, 'package.json'), `${inApp(pkg)}/package.json`));
  }

  const agentMain = `${inApp(agentRoot)}/dist/main.js`;
  // The loader runs node against our libraries only, so the image's libc (or its absence) never matters.
  const run = loader
    ? `exec ${IN_SANDBOX.lib}/${loader.name} --library-path ${IN_SANDBOX.lib} ${IN_SANDBOX.node} ${agentMain} "$@"`
    : `exec ${IN_SANDBOX.node} ${agentMain} "$@"`;
  const script = entrypointScript(run);
  mounts.push(ro(writeScript(script), AGENT_ENTRYPOINT));
  return mounts;
}

/**
 * `/.sockerless/agent`. Node takes tens of milliseconds to boot, so in the common case (an agent URL, no
 * stdin to feed, no Lambda invocation to fetch) the script starts the workload's command at once and,
 * once that has run for BESIDE_AGENT_DELAY_S, the agent beside it with the main pid, to serve exec, cp and
 * signals; it forwards signals, waits for the main process, ends the agent and exits with the main
 * process's code. The command is looked up in PATH
 * here, because busybox's shell would otherwise prefer its own applets to the image's programs. Every
 * other case, and a command not found (the agent words the error as runc does), runs the agent in front.
 */
/**
 * How long the script lets the command run before it starts the agent: a command that ends sooner (`true`,
 * a quick `echo`) never pays for a Node boot on the same CPUs, and exec/cp callers wait for the agent to
 * dial in anyway.
 */
const BESIDE_AGENT_DELAY_S = '0.05';

function entrypointScript(runAgent: string): string {
  return `#!${IN_SANDBOX.busybox} sh
if [ -z "$SOCKERLESS_AGENT_URL" ] || [ -n "$AWS_LAMBDA_RUNTIME_API" ] || [ "$SOCKERLESS_AGENT_STDIN" = 1 ] || [ $# -eq 0 ]; then
  ${runAgent}
fi
if [ "$1" = -- ]; then shift; fi
cmd=$1
case $cmd in
  */*) ;;
  *)
    found=
    saved_ifs=$IFS; IFS=:
    for dir in \${PATH:-${DEFAULT_PATH}}; do
      if [ -f "$dir/$cmd" ] && [ -x "$dir/$cmd" ]; then found=$dir/$cmd; break; fi
    done
    IFS=$saved_ifs
    if [ -z "$found" ]; then ${runAgent}; fi
    cmd=$found
    ;;
esac
shift
( unset SOCKERLESS_AGENT_URL SOCKERLESS_AGENT_TOKEN SOCKERLESS_AGENT_DEBUG; exec "$cmd" "$@" ) &
main=$!
(
  sleep ${BESIDE_AGENT_DELAY_S}
  kill -0 $main 2>/dev/null || exit 0
  export SOCKERLESS_AGENT_MAIN_PID=$main
  ${runAgent.replace(' "$@"', '')} </dev/null >/dev/null
) &
agent=$!
for sig in TERM INT HUP QUIT USR1 USR2; do trap "kill -$sig $main 2>/dev/null" $sig; done
while :; do
  wait $main; code=$?
  kill -0 $main 2>/dev/null || break
done
# The agent flushes its answers and closes its link on SIGTERM: waited for, or the sandbox would end with
# this script and cut the link first.
kill $agent 2>/dev/null
wait $agent 2>/dev/null
exit $code
`;
}

/** The @sockerless/agent package directory this module belongs to (src/ under ts-jest, dist/ when built). */
function findAgentRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === '@sockerless/agent') return dir;
    if (dirname(dir) === dir) throw new UnavailableError(`cannot find the @sockerless/agent package above ${__dirname}`);
  }
}

/**
 * The node_modules directories that hold the agent's packages, as Node's resolution walks up from the agent
 * package. Mounted at the same relative place, so the same walk finds them inside the sandbox.
 */
function packageHolders(agentRoot: string): string[] {
  const holders = new Set<string>();
  for (const name of AGENT_PACKAGES) {
    let found: string | undefined;
    for (let dir = agentRoot; !found; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules');
      if (existsSync(join(candidate, name, 'package.json'))) found = realpathSync(candidate);
      if (dirname(dir) === dir) break;
    }
    if (!found) throw new UnavailableError(`the workload agent needs the package ${name}, not found from ${agentRoot}`);
    holders.add(found);
  }
  const outer = [...holders].filter((h) => relative(agentRoot, h) !== 'node_modules');
  if (outer.length > 1) throw new UnavailableError(`the workload agent's packages are spread over ${outer.join(', ')}; expected one node_modules`);
  return [...holders];
}

function findStaticBusybox(): string {
  const candidates = ['/bin/busybox', '/usr/bin/busybox', '/usr/local/bin/busybox'];
  for (const c of candidates) {
    if (existsSync(c) && isStaticElf(c)) return realpathSync(c);
  }
  throw new UnavailableError('the workload agent needs a statically linked busybox (Debian: busybox-static) at /bin/busybox');
}

interface SharedLibrary {
  /** The name the loader looks for (the soname), or the loader's own file name. */
  name: string;
  hostPath: string;
  isLoader: boolean;
}

/** node's shared libraries from `ldd` (`libc.so.6 => /lib/.../libc.so.6 (0x...)`, loader as `/lib64/ld-... (0x...)`). */
function sharedLibraries(binary: string): SharedLibrary[] {
  if (isStaticElf(binary)) return [];
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs: SharedLibrary[] = [];
  for (const line of out.split('\n')) {
    const linked = /^\s*(\S+)\s+=>\s+(\/\S+)\s+\(/.exec(line);
    if (linked) { libs.push({ name: basename(linked[1]), hostPath: realpathSync(linked[2]), isLoader: false }); continue; }
    const loader = /^\s*(\/\S+)\s+\(/.exec(line);
    if (loader) libs.push({ name: basename(loader[1]), hostPath: realpathSync(loader[1]), isLoader: true });
  }
  if (!libs.some((l) => l.isLoader)) throw new UnavailableError(`cannot find the dynamic loader of ${binary} in the output of ldd`);
  return libs;
}

/**
 * A copy of `source` with its own inode. The local sandbox tells its own set-up (bwrap, its static busybox)
 * from the workload by the inode of the running program, so a workload whose pid 1 ran the very same
 * busybox file would look as if it never started.
 */
function privateCopy(source: string, name: string): string {
  const st = statSync(source);
  const dir = join(tmpdir(), `sockerless-agent-${st.dev}-${st.ino}-${st.size}-${Math.floor(st.mtimeMs)}`);
  const file = join(dir, name);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const tmp = `${file}.${process.pid}.tmp`;
  copyFileSync(source, tmp);
  renameSync(tmp, file);
  return file;
}

/** Writes the entrypoint script once per content, in a directory keyed by its hash. */
function writeScript(script: string): string {
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `sockerless-agent-${hash}`);
  const file = join(dir, 'agent');
  if (existsSync(file) && readFileSync(file, 'utf8') === script) return file;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, script, { mode: 0o755 });
  renameSync(tmp, file);
  return file;
}
