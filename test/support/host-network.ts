import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { NetworkNames } from '../../plugins/backend-local/src/network/names';

export interface HostObjects {
  netns: string[];
  links: string[];
  rules: string[];
}

const run = (file: string, args: string[]) => { try { return execFileSync(file, args, { encoding: 'utf8' }); } catch { return ''; } };

/**
 * The kernel objects the `local` instances of the daemon with this home made on the host: network namespaces,
 * bridges and veths, and iptables rules, each carrying the tag of the home (its instances share the bridges).
 * Lists are sorted.
 */
export function hostObjectsOf(home: string): HostObjects {
  const names = new NetworkNames(home);
  let netns: string[] = [];
  try { netns = readdirSync('/run/netns').filter((n) => names.owns(n)); } catch { /* no namespaces at all */ }
  // sysfs rather than `ip -o link`, whose dump is cut short ("Dump was interrupted") while links come and go.
  const links = readdirSync('/sys/class/net').filter((n) => names.owns(n));
  const rules = run('iptables', ['-S']).split('\n').filter((r) => r.includes(names.ruleComment));
  return { netns: netns.sort(), links: links.sort(), rules: rules.sort() };
}

/** The name of the bridge the daemon with this home makes for a network. */
export function bridgeNameOf(home: string, networkId: string): string {
  return new NetworkNames(home).bridge(networkId);
}
