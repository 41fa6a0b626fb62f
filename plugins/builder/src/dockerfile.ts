import { DockerfileParser } from 'dockerfile-ast';
import { InvalidArgumentError } from '@sockerless/sdk';

/** One instruction as the classic builder sees it: continuations joined, flags apart from the arguments. */
export interface Instruction {
  keyword: string;
  /** The arguments after the flags, continuation lines joined (moby's node.Next as one string). */
  args: string;
  flags: Map<string, string>;
  /** The logical line as written, for `Step n/m : <original>` (moby's node.Original). */
  original: string;
  /** 1-based line number, for error messages. */
  line: number;
}

export interface Stage {
  /** `FROM <image> AS <name>`: the name, lower-cased as dockerd compares it. */
  name?: string;
  /** The image reference as written (variables not yet expanded). */
  base: string;
  platform?: string;
  from: Instruction;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  escape: string;
  /** ARG instructions before the first FROM: they may be used in FROM lines only. */
  metaArgs: Instruction[];
  stages: Stage[];
}

/** The flags each instruction accepts, as dockerd's dispatchers define them. */
const FLAGS: Record<string, string[]> = {
  FROM: ['platform'], COPY: ['from', 'chown', 'chmod'], ADD: ['chown', 'chmod'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};
const KNOWN = new Set(['FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME',
  'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL']);
const HEREDOC = /(^|\s)<<-?\s*["']?[A-Za-z_][A-Za-z0-9_]*["']?/;

/**
 * Parses a Dockerfile with dockerfile-ast and checks what dockerd's parser and its instruction parsers check:
 * an empty file, unknown instructions, unknown flags, instructions before the first FROM other than ARG.
 * Heredocs (`RUN <<EOF`) are BuildKit's: the classic builder has none, so they are refused plainly.
 */
export function parseDockerfile(text: string, fileName = 'Dockerfile'): ParsedDockerfile {
  const doc = DockerfileParser.parse(text);
  const escape = doc.getEscapeCharacter();
  const joined = new RegExp(`${escape.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}[ \\t]*\\r?\\n`, 'g');
  const parsed: ParsedDockerfile = { escape, metaArgs: [], stages: [] };
  const all = doc.getInstructions();
  if (all.length === 0) throw new InvalidArgumentError(`the Dockerfile (${fileName}) cannot be empty`);
  for (const node of all) {
    const keyword = node.getKeyword().toUpperCase();
    const line = node.getRange().start.line + 1;
    if (!KNOWN.has(keyword)) throw new InvalidArgumentError(`dockerfile parse error line ${line}: unknown instruction: ${keyword}`);
    const flags = new Map<string, string>();
    const withFlags = node as unknown as { getFlags?: () => { getName(): string; getValue(): string | null }[] };
    for (const f of withFlags.getFlags?.() ?? []) {
      if (!(FLAGS[keyword] ?? []).includes(f.getName())) throw new InvalidArgumentError(`dockerfile parse error line ${line}: Unknown flag: ${f.getName()}`);
      flags.set(f.getName(), f.getValue() ?? '');
    }
    const args = (node.getArgumentsContent() ?? '').trim();
    if (['RUN', 'COPY', 'ADD'].includes(keyword) && HEREDOC.test(args)) {
      throw new InvalidArgumentError(`dockerfile parse error line ${line}: heredocs are not supported by the classic builder; build with BuildKit`);
    }
    const original = node.getTextContent().replace(joined, '').replace(/\s+$/, '');
    const instruction: Instruction = { keyword, args, flags, original, line };
    if (keyword === 'FROM') {
      const words = args.split(/\s+/).filter(Boolean);
      const named = words.length === 3 && words[1].toUpperCase() === 'AS';
      if (!(words.length === 1 || named)) throw new InvalidArgumentError(`dockerfile parse error line ${line}: FROM requires either one or three arguments`);
      if (named && !/^[a-z][a-z0-9-_.]*$/i.test(words[2])) throw new InvalidArgumentError(`invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
      parsed.stages.push({ name: named ? words[2].toLowerCase() : undefined, base: words[0], platform: flags.get('platform'), from: instruction, instructions: [] });
    } else if (parsed.stages.length === 0) {
      if (keyword !== 'ARG') throw new InvalidArgumentError(`dockerfile parse error line ${line}: no build stage in current context`);
      parsed.metaArgs.push(instruction);
    } else {
      parsed.stages[parsed.stages.length - 1].instructions.push(instruction);
    }
  }
  if (parsed.stages.length === 0) throw new InvalidArgumentError('No image was generated. Is your Dockerfile empty?');
  return parsed;
}

/** The stages a build runs: up to and including `target` (by name, as dockerd; else the last). */
export function stagesUpTo(parsed: ParsedDockerfile, target: string | undefined): Stage[] {
  if (!target) return parsed.stages;
  const i = parsed.stages.findIndex((s) => s.name === target.toLowerCase());
  if (i < 0) throw new InvalidArgumentError(`failed to reach build target ${target} in Dockerfile`);
  return parsed.stages.slice(0, i + 1);
}

/** A JSON array of strings (the exec form), or undefined when `args` is the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(args) as unknown;
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v as string[] : undefined;
  } catch {
    return undefined;
  }
}
