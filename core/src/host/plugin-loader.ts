import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import satisfies from 'semver/functions/satisfies';
import validRange from 'semver/ranges/valid';
import { lazyJiti, requireCompiled } from './module-import';
import { isSockerlessPlugin, SDK_VERSION, type PluginEntry, type SockerlessPlugin, type StandardSchema } from '@sockerless/sdk';

export class PluginLoadError extends Error {}

export interface LoadedPlugin {
  plugin: SockerlessPlugin<unknown>;
  /** Where it came from: a file path, a package name, or '<inline>' for an imported object. */
  source: string;
  options: unknown;
}

function describePath(path: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined): string {
  if (!path || path.length === 0) return '(options)';
  return path.map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
}

/**
 * One config entry as a plugin: `./path` from the config file (TypeScript allowed), a bare name as
 * `@sockerless/plugin-<name>` then `sockerless-plugin-<name>`, a scoped name verbatim, or an imported object.
 * A candidate that resolves but fails to load is reported with its own error, not retried.
 */
export async function loadPluginEntry(entry: PluginEntry, configFile: string, configDir: string): Promise<LoadedPlugin> {
  const { plugin: target, options: rawOptions } = typeof entry === 'object' && entry !== null && 'plugin' in entry ? entry : { plugin: entry };
  const { plugin, source } = typeof target === 'string' ? await importByName(target, configFile, configDir) : { plugin: target as unknown, source: '<inline>' };
  if (!isSockerlessPlugin(plugin)) {
    const name = typeof target === 'string' ? target : '<inline>';
    throw new PluginLoadError(`plugin '${name}' (from ${source}): the default export is not a plugin made with definePlugin()`);
  }
  if (!validRange(plugin.sdk) || !satisfies(SDK_VERSION, plugin.sdk)) {
    throw new PluginLoadError(`plugin '${plugin.id}' (from ${source}): requires sdk ${plugin.sdk} but host provides ${SDK_VERSION}`);
  }
  const options = await validateOptions(plugin, source, rawOptions);
  return { plugin, source, options };
}

async function validateOptions(plugin: SockerlessPlugin<unknown>, source: string, raw: unknown): Promise<unknown> {
  const schema = plugin.options as StandardSchema | undefined;
  if (!schema) {
    if (raw !== undefined && !(typeof raw === 'object' && raw !== null && Object.keys(raw).length === 0)) {
      throw new PluginLoadError(`plugin '${plugin.id}' (from ${source}): takes no options`);
    }
    return {};
  }
  const result = await schema['~standard'].validate(raw ?? {});
  if (result.issues) {
    const issue = result.issues[0];
    throw new PluginLoadError(`plugin '${plugin.id}' (from ${source}): invalid option '${describePath(issue.path)}': ${issue.message}`);
  }
  return result.value;
}

/** The packages a bare plugin name may be, in the order they are tried. */
export function pluginPackageCandidates(name: string): string[] {
  if (name.startsWith('@')) return [name];
  return [`@sockerless/plugin-${name}`, `sockerless-plugin-${name}`];
}

async function importByName(name: string, configFile: string, configDir: string): Promise<{ plugin: unknown; source: string }> {
  const jiti = lazyJiti(configFile === '<inline>' ? resolve(configDir, 'inline.ts') : configFile, { interopDefault: true });
  const isPath = name.startsWith('./') || name.startsWith('../') || isAbsolute(name);
  if (isPath) {
    const file = resolve(configDir, name);
    const found = [file, `${file}.ts`, `${file}.js`, resolve(file, 'index.ts'), resolve(file, 'index.js')].find((f) => existsSync(f) && !f.endsWith('/'));
    if (!found) throw new PluginLoadError(`plugin '${name}' (from ${configFile}): file not found: ${file}`);
    return { plugin: await importModule(jiti, found, name, found), source: found };
  }
  const tried: string[] = [];
  for (const pkg of pluginPackageCandidates(name)) {
    let resolved: string | undefined;
    for (const base of [configDir, __dirname]) {
      try {
        resolved = require.resolve(pkg, { paths: [base] });
        break;
      } catch { /* not resolvable from the config's dir: the daemon's own install next */ }
    }
    tried.push(pkg);
    if (resolved) return { plugin: await importModule(jiti, resolved, name, pkg), source: pkg };
  }
  throw new PluginLoadError(`plugin '${name}' (from ${configFile}): not found; tried ${tried.join(', ')} (install one with npm install ${tried[0]})`);
}

async function importModule(jiti: ReturnType<typeof lazyJiti>, file: string, name: string, source: string): Promise<unknown> {
  try {
    // A compiled CommonJS plugin arrives as a namespace whose `default` may itself be the CommonJS exports
    // (jiti's interop), so the plugin object can sit one or two `default`s deep.
    let mod = (requireCompiled(file) ?? await jiti().import(file)) as { default?: unknown } | null | undefined;
    for (let depth = 0; depth < 3 && mod && !isSockerlessPlugin(mod); depth++) mod = mod.default as typeof mod;
    return mod;
  } catch (err) {
    throw new PluginLoadError(`plugin '${name}' (from ${source}): failed to load: ${(err as Error).message}`);
  }
}

