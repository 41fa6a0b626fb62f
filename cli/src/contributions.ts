import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CliCommand, CliContribution, CliPreset, CliSimulator, CliStatusSection } from '@sockerless/sdk';
import { defaultConfigFile, pluginPackageCandidates } from '@sockerless/core';

/**
 * The plugins whose commands, presets and simulators the `sockerless` command offers: the list in
 * `sockerless.cli.json` beside the default config (the core itself names none), or in the file
 * $SOCKERLESS_CLI_PLUGINS names. Each is read without being started: a package's `sockerless.cli`
 * module (package.json) when it has one, else its main module, and its `cli` export. A listed plugin that is
 * not installed adds nothing; one that is installed but fails to load is an error.
 */
export function cliPluginsFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.SOCKERLESS_CLI_PLUGINS ? resolve(env.SOCKERLESS_CLI_PLUGINS) : join(dirname(defaultConfigFile()), 'sockerless.cli.json');
}

export interface CliContributions {
  commands: CliCommand[];
  presets: CliPreset[];
  simulators: CliSimulator[];
  statusSections: CliStatusSection[];
}

let cached: CliContributions | undefined;

/** Loaded once per process, synchronously: `--help` lists the contributed commands with no daemon running. */
export function cliContributions(): CliContributions {
  if (cached) return cached;
  const file = cliPluginsFile();
  const names = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { plugins?: unknown }).plugins : [];
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw new Error(`${file}: expected { "plugins": ["NAME", ...] }`);
  const all = (names as string[]).map((name) => loadContribution(name, dirname(file)));
  cached = {
    commands: all.flatMap((c) => c.commands ?? []),
    presets: all.flatMap((c) => c.presets ?? []),
    simulators: all.flatMap((c) => c.simulators ?? []),
    statusSections: all.flatMap((c) => c.statusSections ?? []),
  };
  return cached;
}

function loadContribution(name: string, from: string): CliContribution {
  for (const pkg of pluginPackageCandidates(name)) {
    let entry: string;
    try {
      const manifest = require.resolve(`${pkg}/package.json`, { paths: [from, __dirname] });
      const json = JSON.parse(readFileSync(manifest, 'utf8')) as { sockerless?: { cli?: string } };
      entry = json.sockerless?.cli ? resolve(dirname(manifest), json.sockerless.cli) : require.resolve(pkg, { paths: [from, __dirname] });
    } catch {
      continue; // not installed under this name (or its package.json is not exported): the next candidate
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require(entry) as { cli?: CliContribution }).cli ?? {};
    } catch (err) {
      throw new Error(`plugin '${name}' (from ${pkg}): its CLI contribution failed to load: ${(err as Error).message}`);
    }
  }
  // Not installed here (an install without that plugin): it contributes nothing, and its command is unknown.
  return {};
}
