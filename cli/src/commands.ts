import { resolve } from 'node:path';
import type { ListenerTlsConfig } from '@sockerless/sdk';
import { defaultConfigFile, startDaemon } from '@sockerless/core';
import { checkConfigFile } from './check-config';
import { cliContributions } from './contributions';
import { presetConfig, simulatorUsage } from './presets';
import { simulatorLine, startSimulatorHost } from './simulator-command';
import { runStatusCommand, STATUS_USAGE } from './status-command';

export interface CliArgs {
  command: string[];
  config?: string;
  listen: string[];
  home?: string;
  /** dockerd's flags of the same names; they override the config's `networks`. */
  bip?: string;
  defaultAddressPools: { base: string; size: number }[];
  /** dockerd's --tls, --tlsverify, --tlscacert, --tlscert, --tlskey, and --insecure-tcp; they override the config's `tls`. */
  tls: ListenerTlsConfig;
  help: boolean;
  /** A built-in config a plugin contributes (`aws-sim`) instead of a config file. */
  preset?: string;
  /** With a preset: a simulator running elsewhere instead of one in the daemon. */
  simulatorEndpoint?: string;
  /** For `simulator`: docker-save archives to load into its image store. */
  load: string[];
  /** For `simulator`: how long a task stays PENDING. */
  startDelayMs?: number;
  /** For `status` and the commands plugins contribute (`pools`): the words after it, untouched (the command parses its own flags). */
  rest?: string[];
}

/** The core's own commands; any other first word is a command a plugin contributes (see contributions.ts). */
const CORE_COMMANDS = new Set(['daemon', 'simulator', 'config']);

/** `sockerless --help`: the core's commands, then what the plugins of sockerless.cli.json contribute. */
export function usage(): string {
  const { commands, presets } = cliContributions();
  return `Usage:
  sockerless daemon [--config FILE | --preset NAME [--simulator-endpoint URL]] [--listen URL]...
                    [--home DIR] [--bip CIDR] [--default-address-pool base=CIDR,size=N]...
                    [--tlsverify | --tls] [--tlscacert F] [--tlscert F] [--tlskey F] [--insecure-tcp]
      Starts the daemon. URL is unix://PATH or tcp://HOST:PORT. State lives in --home,
      else $SOCKERLESS_HOME, else ./.sockerless. --bip and --default-address-pool set the
      addresses of the default bridge and of new networks, as dockerd's flags do.
      --tlsverify serves the tcp:// listeners over TLS and requires client certificates signed
      by --tlscacert; --tls serves TLS without asking for one. The files default to ca.pem,
      cert.pem and key.pem in $DOCKER_CERT_PATH, else ~/.docker, as dockerd's do. Plain TCP
      on a non-loopback address is refused unless --insecure-tcp is given.
${presets.map((p) => p.usage ?? `      --preset ${p.name}: a built-in config.\n`).join('')}${simulatorUsage()}  sockerless config check [--config FILE]
      Loads the config and its plugins and validates every option without starting.
${STATUS_USAGE}${commands.map((c) => c.usage).join('')}`;
}

export function parseCliArgs(argv: string[]): CliArgs {
  const args: CliArgs = { command: [], listen: [], defaultAddressPools: [], tls: {}, help: false, load: [] };
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
    else if (/^--(tls|tlsverify|insecure-tcp)(=.*)?$/.test(a)) setTlsSwitch(args.tls, a);
    else if (/^--tls(cacert|cert|key)(=.*)?$/.test(a)) setTlsFile(args.tls, a, a.includes('=') ? a.slice(a.indexOf('=') + 1) : value());
    else if (a === '--help' || a === '-h') args.help = true;
    else if (!a.startsWith('-') && args.command.length === 0 && !CORE_COMMANDS.has(a)) { args.command.push(a); args.rest = argv.slice(i + 1); break; }
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else args.command.push(a);
  }
  return args;
}

export async function runCli(args: CliArgs): Promise<number | undefined> {
  const [cmd, sub] = args.command;
  if (args.help || !cmd) {
    process.stdout.write(usage());
    return args.help ? 0 : 2;
  }
  if (cmd === 'daemon') {
    if (args.config && args.preset) throw new Error('--config and --preset are exclusive: a preset is a built-in config');
    if (args.simulatorEndpoint && !args.preset) throw new Error('--simulator-endpoint goes with --preset (a config file sets endpoints in its backends\' options)');
    const networks = { ...(args.bip ? { bip: args.bip } : {}), ...(args.defaultAddressPools.length ? { defaultAddressPools: args.defaultAddressPools } : {}) };
    const config = args.preset ? presetConfig(args.preset, { simulatorEndpoint: args.simulatorEndpoint }) : undefined;
    const daemon = await startDaemon({ configFile: args.config, config, listen: args.listen.length ? args.listen : undefined, home: args.home, networks, tls: args.tls, processGuard: true });
    // One write, simulator lines first: a script that waits for a DOCKER_HOST line then has them all.
    const lines = daemon.simulators.map(simulatorLine);
    const presetSimulator = args.preset && cliContributions().presets.find((p) => p.name === args.preset)?.simulator;
    if (args.simulatorEndpoint) lines.push(`${presetSimulator ? simulatorLine({ name: presetSimulator, endpoint: args.simulatorEndpoint }) : `Simulator: ${args.simulatorEndpoint}`} (external)`);
    lines.push('Sockerless is ready. To use it:', ...daemon.addresses.map((a) => `export DOCKER_HOST=${a}`));
    if (daemon.tls.enabled && daemon.addresses.some((a) => a.startsWith('tcp://'))) {
      lines.push(`(tcp:// serves TLS${daemon.tls.verify ? ' and requires a client certificate' : ''}: the docker CLI wants DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH=DIR with ca.pem, cert.pem, key.pem)`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    stopOnSignals(daemon);
    return undefined;
  }
  if (cmd === 'simulator') {
    if (args.command.length > 2) throw new Error(`sockerless simulator: unexpected argument '${args.command[2]}'\nUsage:\n${simulatorUsage()}`);
    const daemon = await startSimulatorHost({ cloud: sub, listen: args.listen.at(-1), home: args.home, load: args.load, startDelayMs: args.startDelayMs }, (s) => { process.stdout.write(s); });
    stopOnSignals(daemon);
    return undefined;
  }
  if (cmd === 'status' || cliContributions().commands.some((c) => c.name === cmd)) {
    // `sockerless -H URL --home DIR pools ...`: options given before the command still pick the daemon.
    const rest = [...(args.listen.length ? ['--host', args.listen[args.listen.length - 1]] : []), ...(args.rest ?? [])];
    const env = args.home ? { ...process.env, SOCKERLESS_HOME: args.home } : process.env;
    const out = (s: string) => { process.stdout.write(s); };
    const err = (s: string) => { process.stderr.write(s); };
    if (cmd === 'status') return runStatusCommand(rest, env, out, err);
    return cliContributions().commands.find((c) => c.name === cmd)!.run(rest, { env, out, err });
  }
  if (cmd === 'config' && sub === 'check') {
    const checked = await checkConfigFile(args.config ?? defaultConfigFile());
    process.stdout.write(`config ${checked.file} is valid: ${checked.pluginIds.join(', ')}\n`);
    return 0;
  }
  throw new Error(`unknown command '${[...args.command, ...(args.rest ?? [])].join(' ')}'\n${usage()}`);
}

/** `--tls`, `--tls=false`, `--tlsverify[=BOOL]`, `--insecure-tcp[=BOOL]`: a bare flag is true, as Go's boolean flags. */
function setTlsSwitch(tls: ListenerTlsConfig, arg: string): void {
  const [flag, text] = arg.split('=', 2) as [string, string | undefined];
  if (text !== undefined && !/^(true|false|1|0)$/.test(text)) throw new Error(`${flag}=${text}: expected true or false`);
  const on = text === undefined || text === 'true' || text === '1';
  if (flag === '--tls') tls.enabled = on;
  else if (flag === '--tlsverify') tls.verify = on;
  else tls.insecureTcp = on;
}

/** A certificate path given on the command line is relative to the working directory. */
function setTlsFile(tls: ListenerTlsConfig, arg: string, file: string): void {
  const flag = arg.split('=', 1)[0];
  if (!file) throw new Error(`${flag} needs a file`);
  const path = resolve(process.cwd(), file);
  if (flag === '--tlscacert') tls.cacert = path;
  else if (flag === '--tlscert') tls.cert = path;
  else tls.key = path;
}

/** Parses dockerd's `--default-address-pool base=10.10.0.0/16,size=24`. */
function parseAddressPoolFlag(value: string): { base: string; size: number } {
  const fields = Object.fromEntries(value.split(',').map((kv) => kv.split('=').map((s) => s.trim())));
  const size = Number(fields.size);
  if (!fields.base || !Number.isInteger(size)) throw new Error(`invalid --default-address-pool ${JSON.stringify(value)}: expected base=CIDR,size=N`);
  return { base: fields.base, size };
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
