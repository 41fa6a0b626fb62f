import { InvalidArgumentError, stringList, stringMap } from '@sockerless/sdk';
import type { ContainerDefaults } from '@sockerless/sdk/images';
import type { ContainerConfig } from './container-record';

/** The create body: the config's fields (each may be null; Cmd, Entrypoint one string), host and networking configs. */
export type CreateBody = { [K in Exclude<keyof ContainerConfig, 'Cmd' | 'Entrypoint' | 'OnBuild'>]?: ContainerConfig[K] | null } & {
  Cmd?: string[] | string | null;
  Entrypoint?: string[] | string | null;
  HostConfig?: Record<string, unknown> | null;
  NetworkingConfig?: { EndpointsConfig?: Record<string, Record<string, unknown>> | null } | null;
};

/** An image's container defaults as its config JSON carries them: Go writes an unset list or map as null. */
export type ImageConfigView = { [K in keyof ContainerDefaults]?: ContainerDefaults[K] | null };

function asArgv(v: string[] | string | null | undefined, field: string): string[] | null | undefined {
  if (v === undefined || v === null) return v;
  return typeof v === 'string' ? [v] : stringList(v, field);
}

/** Env merged by key: the container's values override the image's, keeping the image's order first. */
export function mergeEnv(imageEnv: string[], containerEnv: string[]): string[] {
  const out = new Map<string, string>();
  for (const e of [...imageEnv, ...containerEnv]) {
    if (typeof e !== 'string') throw new InvalidArgumentError('invalid Env: expected a list of strings');
    const eq = e.indexOf('=');
    const key = eq < 0 ? e : e.slice(0, eq);
    if (key === '') throw new InvalidArgumentError(`invalid environment variable: ${e}`);
    out.set(key, e);
  }
  return [...out.values()];
}

/** Docker's merge: a given Entrypoint drops the image's Cmd too; else an empty Cmd is the image's; `[""]` resets it. */
export function mergeConfig(body: CreateBody, image: ImageConfigView, imageRef: string, shortId: string): ContainerConfig {
  let entrypoint = asArgv(body.Entrypoint, 'Entrypoint');
  let cmd = asArgv(body.Cmd, 'Cmd');
  if (entrypoint && entrypoint.length === 1 && entrypoint[0] === '') entrypoint = [];
  if (entrypoint === undefined || entrypoint === null) {
    entrypoint = image.Entrypoint ?? null;
    if (!cmd || cmd.length === 0) cmd = image.Cmd ?? null;
  }
  if (entrypoint && entrypoint.length === 0) entrypoint = null;
  if ((!entrypoint || entrypoint.length === 0) && (!cmd || cmd.length === 0)) {
    throw new InvalidArgumentError('No command specified');
  }
  stringList(body.Env, 'Env');
  stringMap(body.Labels, 'Labels');
  return {
    Hostname: body.Hostname || shortId,
    Domainname: body.Domainname ?? '',
    User: body.User || image.User || '',
    AttachStdin: body.AttachStdin ?? false,
    AttachStdout: body.AttachStdout ?? false,
    AttachStderr: body.AttachStderr ?? false,
    ExposedPorts: { ...(image.ExposedPorts ?? {}), ...(body.ExposedPorts ?? {}) },
    Tty: body.Tty ?? false,
    OpenStdin: body.OpenStdin ?? false,
    StdinOnce: body.StdinOnce ?? false,
    Env: mergeEnv(image.Env ?? [], body.Env ?? []),
    Cmd: cmd ?? null,
    Healthcheck: body.Healthcheck ?? image.Healthcheck ?? undefined,
    Image: imageRef,
    Volumes: Object.keys({ ...(image.Volumes ?? {}), ...(body.Volumes ?? {}) }).length ? { ...(image.Volumes ?? {}), ...(body.Volumes ?? {}) } : null,
    WorkingDir: body.WorkingDir || image.WorkingDir || '',
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: { ...(image.Labels ?? {}), ...(body.Labels ?? {}) },
    StopSignal: body.StopSignal || image.StopSignal || undefined,
    ...(typeof body.MacAddress === 'string' && body.MacAddress ? { MacAddress: body.MacAddress } : {}),
    StopTimeout: body.StopTimeout ?? undefined,
  };
}
