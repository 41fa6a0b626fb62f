import { readFileSync } from 'node:fs';

/**
 * Docker's `--user` forms (`name`, `uid`, `name:group`, `uid:gid`) resolved against the workload's own
 * /etc/passwd and /etc/group, as the agent sees them from inside the workload.
 */

export interface ResolvedUser {
  uid: number;
  gid: number;
  home?: string;
}

export class UserLookupError extends Error {}

function readTable(path: string): string[][] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** Undefined for an empty spec: the process keeps the agent's own ids. */
export function resolveUser(spec: string, files = { passwd: '/etc/passwd', group: '/etc/group' }): ResolvedUser | undefined {
  if (!spec) return undefined;
  const [userPart, groupPart] = spec.split(':', 2);
  const passwd = readTable(files.passwd);
  const entry = /^\d+$/.test(userPart) ? passwd.find((p) => p[2] === userPart) : passwd.find((p) => p[0] === userPart);
  if (!entry && !/^\d+$/.test(userPart)) {
    throw new UserLookupError(`unable to find user ${userPart}: no matching entries in passwd file`);
  }
  const uid = entry ? Number(entry[2]) : Number(userPart);
  let gid = entry ? Number(entry[3]) : 0;
  if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) {
      gid = Number(groupPart);
    } else {
      const group = readTable(files.group).find((g) => g[0] === groupPart);
      if (!group) throw new UserLookupError(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = Number(group[2]);
    }
  }
  return { uid, gid, home: entry?.[5] || undefined };
}
