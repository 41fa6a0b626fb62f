import { startDaemon } from '../daemon';
import { defaultConfigFile, loadConfigFile } from '../config/load-config';
import { loadPluginEntry } from '../host/plugin-loader';
import { POOLS_USAGE, runPoolsCommand } from './pools-command';
import { parseAddressPoolFlag } from '../engine/network-addressing';
import { simulatorLine } from '../simulators';
import { presetConfig } from './presets';
import { SIMULATOR_USAGE, startSimulatorHost } from './simulator-command';

export interface CliArgs {
  command: string[];
  config?: string;
  listen: string[];
  home?: string;
  /** dockerd's flags of the same names; they override the config's `networks`. */
  bip?: string;
  defaultAddressPools: { base: string; size: number }[];
  help: boolean;
  /** A built-in config (`aws-sim`) instead of a config file. */
  preset?: string;
  /** With a preset: a simulator running elsewhere instead of one in the daemon. */
  simulatorEndpoint?: string;
  /** For `simulator`: docker-save archives to load into its image store. */
  load: string[];
  /** For `simulator`: how long a task stays PENDING. */
  startDelayMs?: number;
  /** For `pools`: the words after it, untouched (that command parses its own flags). */
  rest?: string[];
}

export const USAGE = `Usage:
  sockerless daemon [--config FILE | --preset NAME [--simulator-endpoint URL]] [--listen URL]...
                    [--home DIR] [--bip CIDR] [--default-address-pool base=CIDR,size=N]...
      Starts the daemon. URL is unix://PATH or tcp://HOST:PORT. State lives in --home,
      else $SOCKERLESS_HOME, else ./.sockerless. --bip and --default-address-pool set the
      addresses of the default bridge and of new networks, as dockerd's flags do.
      --preset aws-sim needs no config file: containers run as ECS tasks (the default pool) or
      Lambda functions (--label com.sockerless.pool=lambda) on an AWS simulator in the daemon,
      or on the one at --simulator-endpoint http://HOST:PORT (see 'sockerless simulator aws').
${SIMULATOR_USAGE}  sockerless config check [--config FILE]
      Loads the config and its plugins and validates every option without starting.
${POOLS_USAGE}`;

export function parseCliArgs(argv: string[]): CliArgs {
  const args: CliArgs = { command: [], listen: [], defaultAddressPools: [], help: false, load: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--config' || a === '-c') args.config = value();
    else if (a.startsWith('--config=')) args.config = a.slice(9);
    else if (a === '--listen' || a === '-H') args.listen.push(value());
    else if (a.startsWith('--listen=')) args.listen.push(a.slice(9));
    else if (a === '--home') args.home = value();
    else if (a === '--preset') args.preset = value();
    else if (a.startsWith('--preset=')) args.preset = a.slice(9);
    else if (a === '--simulator-endpoint') args.simulatorEndpoint = value();
    else if (a === '--load') args.load.push(value());
    else if (a === '--start-delay') args.startDelayMs = parseStartDelay(value());
    else if (a === '--bip') args.bip = value();
    else if (a === '--default-address-pool') args.defaultAddressPools.push(parseAddressPoolFlag(value()));
    else if (a === '--help' || a === '-h') args.help = true;
    else if (a === 'pools' && args.command.length === 0) { args.command.push(a); args.rest = argv.slice(i + 1); break; }
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else args.command.push(a);
  }
  return args;
}

export async function runCli(args: CliArgs): Promise<number | undefined> {
  const [cmd, sub] = args.command;
  if (args.help || !cmd) {
    process.stdout.write(USAGE);
    return args.help ? 0 : 2;
  }
  if (cmd === 'daemon') {
    if (args.config && args.preset) throw new Error('--config and --preset are exclusive: a preset is a built-in config');
    if (args.simulatorEndpoint && !args.preset) throw new Error('--simulator-endpoint goes with --preset (a config file sets endpoints in its backends\' options)');
    const networks = { ...(args.bip ? { bip: args.bip } : {}), ...(args.defaultAddressPools.length ? { defaultAddressPools: args.defaultAddressPools } : {}) };
    const config = args.preset ? presetConfig(args.preset, { simulatorEndpoint: args.simulatorEndpoint }) : undefined;
    const daemon = await startDaemon({ configFile: args.config, config, listen: args.listen.length ? args.listen : undefined, home: args.home, networks, processGuard: true });
    // Simulator lines first: a script that waits for the DOCKER_HOST line then has them all.
    for (const sim of daemon.simulators) process.stdout.write(`${simulatorLine(sim)}\n`);
    if (args.simulatorEndpoint) process.stdout.write(`AWS simulator: ${args.simulatorEndpoint} (external)\n`);
    process.stdout.write(`Sockerless is ready. To use it:\n`);
    for (const a of daemon.addresses) process.stdout.write(`export DOCKER_HOST=${a}\n`);
    stopOnSignals(daemon);
    return undefined;
  }
  if (cmd === 'simulator') {
    if (args.command.length > 2) throw new Error(`sockerless simulator: unexpected argument '${args.command[2]}'\nUsage:\n${SIMULATOR_USAGE}`);
    const daemon = await startSimulatorHost({ cloud: sub, listen: args.listen.at(-1), home: args.home, load: args.load, startDelayMs: args.startDelayMs }, (s) => { process.stdout.write(s); });
    stopOnSignals(daemon);
    return undefined;
  }
  if (cmd === 'pools') {
    // `sockerless -H URL --home DIR pools ...`: options given before `pools` still pick the daemon.
    const rest = [...(args.listen.length ? ['--host', args.listen[args.listen.length - 1]] : []), ...(args.rest ?? [])];
    const env = args.home ? { ...process.env, SOCKERLESS_HOME: args.home } : process.env;
    return runPoolsCommand(rest, env, (s) => { process.stdout.write(s); });
  }
  if (cmd === 'config' && sub === 'check') {
    const loaded = await loadConfigFile(args.config ?? defaultConfigFile());
    const plugins = await Promise.all(loaded.config.plugins.map((e) => loadPluginEntry(e, loaded.file, loaded.dir)));
    process.stdout.write(`config ${loaded.file} is valid: ${plugins.map((p) => p.plugin.id).join(', ')}\n`);
    return 0;
  }
  throw new Error(`unknown command '${args.command.join(' ')}'\n${USAGE}`);
}

function parseStartDelay(text: string): number {
  const ms = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(ms)) throw new Error(`--start-delay ${text}: expected milliseconds (a non-negative integer)`);
  return ms;
}

/** SIGTERM/SIGINT close the daemon (stores flushed, simulators and backends stopped), then exit. */
function stopOnSignals(daemon: { close(): Promise<void> }): void {
  const stop = (signal: string) => {
    process.stderr.write(`sockerless: ${signal}, shutting down\n`);
    daemon.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
