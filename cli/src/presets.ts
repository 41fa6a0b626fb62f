import type { SockerlessConfig } from '@sockerless/sdk';
import { cliContributions } from './contributions';

export interface PresetOptions {
  /** A simulator already running elsewhere (`sockerless simulator CLOUD`): no in-process simulator then. */
  simulatorEndpoint?: string;
}

/** The built-in config of a preset a plugin contributes; an unknown name is an error that lists the known ones. */
export function presetConfig(name: string, opts: PresetOptions = {}): SockerlessConfig {
  if (opts.simulatorEndpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(opts.simulatorEndpoint)) {
    throw new Error(`--simulator-endpoint ${opts.simulatorEndpoint}: expected http://HOST:PORT`);
  }
  const { presets } = cliContributions();
  const preset = presets.find((p) => p.name === name);
  if (!preset) throw new Error(`unknown preset '${name}' (known: ${presets.map((p) => p.name).join(', ') || 'none'})`);
  return preset.config(opts);
}

/** `sockerless simulator CLOUD`: the config of a daemon that runs that simulator alone. */
export function simulatorConfig(cloud: string, listen: string, startDelayMs: number | undefined): SockerlessConfig {
  return knownSimulator(cloud).config(listen, startDelayMs);
}

export function knownSimulator(cloud: string | undefined): ReturnType<typeof cliContributions>['simulators'][number] {
  const { simulators } = cliContributions();
  const found = simulators.find((s) => s.cloud === cloud);
  if (!found) throw new Error(`${cloud ? `unknown simulator '${cloud}'` : 'sockerless simulator: which cloud?'} (known: ${simulators.map((s) => s.cloud).join(', ') || 'none'})${cloud ? '' : `\nUsage:\n${simulatorUsage()}`}`);
  return found;
}

export function simulatorUsage(): string {
  return cliContributions().simulators.map((s) => s.usage).join('');
}
