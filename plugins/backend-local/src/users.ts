import { promises as fs } from 'node:fs';
import { InvalidArgumentError, resolveInRoot } from '@sockerless/sdk';

/** A resolved Docker `--user`, as runc would compute it from the image's own passwd and group files. */
export interface ExecUser {
  uid: number;
  gid: number;
  /** Supplementary groups (runc: groups listing the user by name, unless a group was given explicitly). */
  groups: number[];
  home: string;
  name?: string;
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

async function readLines(root: string, file: string): Promise<string[][]> {
  try {
    const text = await fs.readFile(await resolveInRoot(root, file, true), 'utf8');
    return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

async function passwd(root: string): Promise<PasswdEntry[]> {
  return (await readLines(root, '/etc/passwd'))
    .filter((f) => f.length >= 4)
    .map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/' }));
}

async function groups(root: string): Promise<GroupEntry[]> {
  return (await readLines(root, '/etc/group'))
    .filter((f) => f.length >= 3)
    .map((f) => ({ name: f[0], gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

const numeric = (s: string) => /^\d+$/.test(s);

/**
 * Resolves `''`, `user`, `uid`, `user:group`, `uid:gid` against `root`'s /etc files. A numeric id without an
 * entry is allowed (gid then defaults to 0, as runc does); an unknown name is Docker's error. `groupAdd` adds
 * supplementary groups, numeric or by name.
 */
export async function resolveUser(root: string, user: string, groupAdd: string[] = []): Promise<ExecUser> {
  const [userPart = '', groupPart] = user.split(':', 2);
  const users = await passwd(root);
  let entry: PasswdEntry | undefined;
  let uid = 0;
  if (userPart === '') {
    entry = users.find((u) => u.uid === 0);
  } else if (numeric(userPart)) {
    uid = Number(userPart);
    entry = users.find((u) => u.uid === uid);
  } else {
    entry = users.find((u) => u.name === userPart);
    if (!entry) throw new InvalidArgumentError(`unable to find user ${userPart}: no matching entries in passwd file`);
  }
  if (entry) uid = entry.uid;
  let gid = entry?.gid ?? 0;
  const groupList = await groups(root);
  let supplementary: number[] = [];
  if (groupPart !== undefined && groupPart !== '') {
    if (numeric(groupPart)) gid = Number(groupPart);
    else {
      const g = groupList.find((x) => x.name === groupPart);
      if (!g) throw new InvalidArgumentError(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  } else if (entry) {
    supplementary = groupList.filter((g) => g.members.includes(entry!.name)).map((g) => g.gid);
  }
  // HostConfig.GroupAdd comes on top, as runc's additional groups; a name must be in the image (dockerd's wording).
  for (const added of groupAdd) {
    const g = numeric(added) ? Number(added) : groupList.find((x) => x.name === added)?.gid;
    if (g === undefined) throw new InvalidArgumentError(`Unable to find group ${added}: no matching entries in group file`);
    supplementary.push(g);
  }
  const all = [...new Set([gid, ...supplementary])];
  return { uid, gid, groups: all, home: entry?.home ?? '/', name: entry?.name };
}
