import { posix } from 'node:path';
import { resolveInRoot, type ContainerFiles, type IdOffset, type WorkloadMount } from '@sockerless/sdk';

/** The container's filesystem as the host sees it: its root plus the bind/volume mounts over it. */
export interface ContainerFs {
  root: string;
  mounts: WorkloadMount[];
  /** For Docker's error messages. */
  name: string;
  /** A remapped container's id offset (see UsernsRemap). */
  ids?: IdOffset;
}

/**
 * Host path of a container path. A path inside a bind or volume target maps into that mount's source (the
 * deepest target wins, as the last mounted hides the others); anything else resolves in the root. Links
 * resolve as the container would see them and never lead outside the root or the mount source.
 */
export async function hostPathOf(cfs: ContainerFs, containerPath: string, followLast: boolean): Promise<string> {
  const p = posix.normalize(`/${containerPath}`);
  let best: WorkloadMount | undefined;
  let bestTarget = '';
  for (const m of cfs.mounts) {
    if (m.type === 'tmpfs') continue;
    const t = posix.normalize(`/${m.target}`).replace(/\/+$/, '') || '/';
    if ((p === t || p.startsWith(`${t}/`)) && t.length > bestTarget.length) { best = m; bestTarget = t; }
  }
  if (best) {
    const rest = p.slice(bestTarget.length);
    if (!rest || rest === '/') return best.source;
    return resolveInRoot(best.source, rest, followLast);
  }
  return resolveInRoot(cfs.root, p, followLast);
}

/** What the SDK's `docker cp` helpers need: the container's name and where its paths lie on the host. */
export function containerFiles(cfs: ContainerFs): ContainerFiles {
  return { name: cfs.name, hostPath: (path, followLast) => hostPathOf(cfs, path, followLast), ids: cfs.ids };
}
