import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NetworkNames } from '../../plugins/backend-local/src/network/names';

export interface HostObjects {
  netns: string[];
  links: string[];
  rules: string[];
}

const run = (file: string, args: string[]) => { try { return execFileSync(file, args, { encoding: 'utf8' }); } catch { return ''; } };

/**
 * The kernel objects the `local` backend of the daemon with this home made on the host: network namespaces,
 * bridges and veths, and iptables rules, each carrying the tag of its state dir. Lists are sorted.
 */
export function hostObjectsOf(home: string, instance = 'local'): HostObjects {
  const names = new NetworkNames(join(home, 'backends', instance));
  let netns: string[] = [];
  try { netns = readdirSync('/run/netns').filter((n) => names.owns(n)); } catch { /* no namespaces at all */ }
  const links = run('ip', ['-o', 'link']).split('\n').map((l) => l.split(': ')[1]?.split('@')[0]).filter((n): n is string => !!n && names.owns(n));
  const rules = run('iptables', ['-S']).split('\n').filter((r) => r.includes(names.ruleComment));
  return { netns: netns.sort(), links: links.sort(), rules: rules.sort() };
}
