import { promises as fs } from 'node:fs';
import type { HostEntry } from '@sockerless/sdk';

/** The lines Docker puts first in every container's /etc/hosts. */
const LOCALHOST_LINES = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

export function renderHosts(entries: HostEntry[]): string {
  const lines = [...LOCALHOST_LINES];
  for (const e of entries) if (e.ip && e.names.length > 0) lines.push(`${e.ip}\t${e.names.join(' ')}`);
  return lines.join('\n') + '\n';
}

/**
 * Writes the file in place: truncated and rewritten, never replaced by a rename. The sandbox binds this
 * very inode at /etc/hosts, so a running container sees its peers come and go; a new file would stay
 * invisible to it behind the old bind.
 */
export async function writeHostsInPlace(path: string, entries: HostEntry[]): Promise<void> {
  await fs.writeFile(path, renderHosts(entries), { mode: 0o644 });
}
