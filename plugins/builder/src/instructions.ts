import { posix } from 'node:path';
import { InvalidArgumentError } from '@sockerless/sdk';
import { applyChanges, type ContainerDefaults } from '@sockerless/sdk/images';
import { execForm, type Instruction } from './dockerfile';
import { BUILTIN_ARGS, expansionEnv, goQuotedList, setEnv, type StageState } from './build-state';
import { keyValues, processWord, processWords } from './shell-words';

/** What a metadata-only instruction does: the new run config and the `#(nop)` text of its history line. */
export interface MetadataStep {
  config: ContainerDefaults;
  /** The container config's Cmd dockerd commits with (`["/bin/sh","-c","#(nop) ","ENV A=1"]`). */
  nopCmd: string[];
  /** Set by ARG: the declared name and its value. */
  arg?: { name: string; value: string | undefined };
  shell?: string[];
  author?: string;
}

/**
 * ENV, LABEL, EXPOSE, VOLUME, USER, WORKDIR, CMD, ENTRYPOINT, HEALTHCHECK, SHELL, STOPSIGNAL, ONBUILD, ARG and
 * MAINTAINER, as moby's dispatchers apply them: the variables expanded where dockerd expands them, the config
 * changed, and the `#(nop)` line (with moby's spacing: two spaces after `#(nop)` except for WORKDIR).
 */
export function metadataStep(ins: Instruction, state: StageState, escape: string, buildArgs: Map<string, string | null>): MetadataStep {
  const env = expansionEnv(state);
  const config: ContainerDefaults = structuredClone(state.config);
  const nop = (text: string): string[] => [...state.shell, `#(nop) `, text];
  switch (ins.keyword) {
    case 'ENV': {
      const pairs = keyValues(ins.args, env, 'ENV', escape);
      for (const [k, v] of pairs) config.Env = setEnv(config.Env, k, v);
      return { config, nopCmd: nop(`ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`) };
    }
    case 'LABEL': {
      const pairs = keyValues(ins.args, env, 'LABEL', escape);
      config.Labels = { ...(config.Labels ?? {}), ...Object.fromEntries(pairs) };
      return { config, nopCmd: nop(`LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`) };
    }
    case 'MAINTAINER': {
      const author = processWord(ins.args, env, escape);
      return { config, nopCmd: nop(`MAINTAINER ${author}`), author };
    }
    case 'EXPOSE': {
      const ports = processWords(ins.args, env, escape);
      if (ports.length === 0) throw new InvalidArgumentError('EXPOSE requires at least one argument');
      config.ExposedPorts = { ...(config.ExposedPorts ?? {}) };
      for (const p of ports) {
        if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw new InvalidArgumentError(`Invalid containerPort: ${p}`);
        config.ExposedPorts[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
      }
      return { config, nopCmd: nop(`EXPOSE ${ports.join(' ')}`) };
    }
    case 'VOLUME': {
      const json = execForm(ins.args);
      const volumes = json ?? processWords(ins.args, env, escape);
      if (volumes.length === 0) throw new InvalidArgumentError('VOLUME requires at least one argument');
      config.Volumes = { ...(config.Volumes ?? {}) };
      for (const v of volumes) {
        if (!v.trim()) throw new InvalidArgumentError('VOLUME specified can not be an empty string');
        config.Volumes[v] = {};
      }
      return { config, nopCmd: nop(`VOLUME [${volumes.join(' ')}]`) };
    }
    case 'USER':
      config.User = processWord(ins.args, env, escape);
      return { config, nopCmd: nop(`USER ${config.User}`) };
    case 'WORKDIR': {
      const dir = processWord(ins.args, env, escape);
      config.WorkingDir = posix.isAbsolute(dir) ? posix.normalize(dir) : posix.join(config.WorkingDir || '/', dir);
      return { config, nopCmd: [...state.shell, `#(nop) WORKDIR ${config.WorkingDir}`] };
    }
    case 'CMD':
    case 'ENTRYPOINT': {
      const argv = execForm(ins.args) ?? [...state.shell, ins.args];
      if (ins.keyword === 'CMD') config.Cmd = argv;
      else {
        config.Entrypoint = argv;
        // dockerd: a new ENTRYPOINT drops the CMD a base image (not this Dockerfile) set.
        if (!state.cmdSetInStage) delete config.Cmd;
      }
      if (!execForm(ins.args)) config.ArgsEscaped = true;
      return { config, nopCmd: nop(`${ins.keyword} ${goQuotedList(argv)}`) };
    }
    case 'SHELL': {
      const shell = execForm(ins.args);
      if (!shell || shell.length === 0) throw new InvalidArgumentError('SHELL requires the arguments to be in JSON form');
      config.Shell = shell;
      return { config, nopCmd: nop(`SHELL ${goQuotedList(shell)}`), shell };
    }
    case 'STOPSIGNAL': {
      const sig = processWord(ins.args, env, escape);
      if (!/^(SIG)?[A-Z0-9+-]+$|^\d+$/i.test(sig)) throw new InvalidArgumentError(`Invalid signal: ${sig}`);
      config.StopSignal = sig;
      return { config, nopCmd: nop(`STOPSIGNAL ${sig}`) };
    }
    case 'HEALTHCHECK': {
      const flags = [...ins.flags].map(([k, v]) => `--${k}=${v} `).join('');
      const changed = applyChanges(config, [`HEALTHCHECK ${flags}${ins.args}`]);
      const test = changed.Healthcheck?.Test ?? [];
      return { config: changed, nopCmd: nop(`HEALTHCHECK &{${goQuotedList(test)}}`) };
    }
    case 'ONBUILD': {
      const trigger = ins.args.trim();
      const keyword = trigger.split(/\s+/)[0]?.toUpperCase() ?? '';
      if (['ONBUILD', 'FROM', 'MAINTAINER'].includes(keyword)) throw new InvalidArgumentError(`${keyword} isn't allowed as an ONBUILD trigger`);
      const normalized = `${keyword}${trigger.slice(keyword.length)}`;
      config.OnBuild = [...(config.OnBuild ?? []), normalized];
      return { config, nopCmd: nop(`ONBUILD ${normalized}`) };
    }
    case 'ARG': {
      const text = ins.args.trim();
      if (!text || /\s/.test(text.replace(/"[^"]*"|'[^']*'/g, ''))) throw new InvalidArgumentError('ARG requires exactly one argument');
      const eq = text.indexOf('=');
      const name = eq < 0 ? text : text.slice(0, eq);
      const fallback = eq < 0 ? undefined : processWord(text.slice(eq + 1), env, escape);
      const given = buildArgs.get(name);
      const value = given !== undefined && given !== null ? given : fallback;
      return { config, nopCmd: nop(`ARG ${text.includes('=') ? `${name}=${fallback}` : name}`), arg: { name, value } };
    }
    default:
      throw new InvalidArgumentError(`unknown instruction: ${ins.keyword}`);
  }
}

export function isBuiltinArg(name: string): boolean {
  return BUILTIN_ARGS.includes(name);
}
