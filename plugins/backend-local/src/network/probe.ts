import { NETNS_DIR, type NetworkNames } from './names';
import type { IpTool } from './netns';

export interface NetworkTools {
  ip?: string;
  nsenter?: string;
}

/**
 * Why network namespaces cannot be used here, or undefined when they can: the daemon must be root, have
 * iproute2 and util-linux nsenter, and the kernel must let it make a namespace (it may not, inside some
 * containers). Tried for real with a throwaway namespace, so a yes here means `bridge` mode works.
 */
export async function netnsUnavailable(tools: NetworkTools, ip: IpTool | undefined, names: NetworkNames): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'the daemon does not run as root';
  if (!tools.ip || !ip) return '`ip` (iproute2) is not installed';
  if (!tools.nsenter) return '`nsenter` (util-linux) is not installed';
  const probe = names.probeNetns;
  try {
    await ip.batch([`netns add ${probe}`, `netns del ${probe}`]);
    return undefined;
  } catch (err) {
    await ip.batch([`netns del ${probe}`], { force: true }).catch(() => undefined);
    return `a network namespace cannot be made (${NETNS_DIR}): ${(err as Error).message}`;
  }
}
