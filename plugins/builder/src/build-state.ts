import type { ContainerDefaults, ImageConfig } from '@sockerless/sdk/images';

/** Proxy args every build accepts without an ARG line; dockerd keeps them out of the image's history. */
export const BUILTIN_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

/** Where one stage of a build stands: its current image and the config the next step starts from. */
export interface StageState {
  /** The current image id; '' while on `scratch` with no step committed yet. */
  imageId: string;
  /** The current image's full config (layers, history), or a fresh one on scratch. */
  image: ImageConfig;
  /** The run config: what becomes the image's `config`. */
  config: ContainerDefaults;
  /** ARGs declared in this stage: name -> its value (undefined: declared without a value). */
  args: Map<string, string | undefined>;
  shell: string[];
  /** Whether a CMD of this stage set config.Cmd (a later ENTRYPOINT keeps it; a base image's Cmd it drops). */
  cmdSetInStage: boolean;
}

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** The build's variables as the expanding instructions see them: the stage's ARGs, then its ENV over them. */
export function expansionEnv(state: StageState): Map<string, string> {
  const env = new Map<string, string>();
  for (const [k, v] of state.args) if (v !== undefined) env.set(k, v);
  for (const kv of state.config.Env ?? []) {
    const eq = kv.indexOf('=');
    env.set(eq < 0 ? kv : kv.slice(0, eq), eq < 0 ? '' : kv.slice(eq + 1));
  }
  return env;
}

/** `K=V` pairs of the stage's ARGs with values that no ENV of the same name overrides, sorted (moby's FilterAllowed). */
export function buildArgEnv(state: StageState): string[] {
  const envKeys = new Set((state.config.Env ?? []).map((kv) => kv.split('=')[0]));
  return [...state.args].filter(([k, v]) => v !== undefined && !envKeys.has(k)).map(([k, v]) => `${k}=${v}`).sort();
}

export function setEnv(env: string[] | undefined, key: string, value: string): string[] {
  const out = [...(env ?? [])];
  const i = out.findIndex((kv) => kv.split('=')[0] === key);
  if (i >= 0) out[i] = `${key}=${value}`;
  else out.push(`${key}=${value}`);
  return out;
}

/** Go's `%q` of a string slice as fmt prints it (`["cat" "/app/g"]`), for a CMD/ENTRYPOINT/SHELL created_by. */
export function goQuotedList(list: string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}
