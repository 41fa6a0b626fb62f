import { NAME_PREFIX } from './names';
import { runWithInput } from './netns';

/**
 * Isolation between networks, as Docker's DOCKER-ISOLATION chains give it. The host forwards IPv4 and
 * bridged frames traverse iptables (br_netfilter), so without rules a container on one network reaches one
 * on another through the host. Per bridge, inserted at the top of FORWARD so they win over what else is
 * there: traffic within the bridge is accepted first (bridged frames are seen as `-i br -o br`), traffic
 * between it and any other sockerless bridge (`sl+`, any daemon's) is dropped in both directions, and the
 * rest (to and from the outside) is accepted, so a FORWARD policy of DROP (left by a dockerd) does not cut
 * containers off. An internal network drops everything that is not within it. Outgoing traffic of a
 * non-internal network is masqueraded, so containers reach beyond the host as they do with Docker.
 * Every rule carries the daemon's comment, so a daemon removes exactly its own, also after a crash.
 */

export interface Rule {
  table: 'filter' | 'nat';
  chain: string;
  /** The match and target, as `iptables -A chain` takes them. */
  spec: string;
}

export function bridgeRules(bridge: string, subnet: string, internal: boolean, comment: string): Rule[] {
  const c = `-m comment --comment ${comment}`;
  const forward = (spec: string): Rule => ({ table: 'filter', chain: 'FORWARD', spec: `${spec} ${c}` });
  const rules = [forward(`-i ${bridge} -o ${bridge} -j ACCEPT`)];
  if (internal) {
    rules.push(forward(`-i ${bridge} -j DROP`), forward(`-o ${bridge} -j DROP`));
    return rules;
  }
  rules.push(
    forward(`-i ${bridge} -o ${NAME_PREFIX}+ -j DROP`),
    forward(`-i ${NAME_PREFIX}+ -o ${bridge} -j DROP`),
    forward(`-i ${bridge} -j ACCEPT`),
    forward(`-o ${bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`),
  );
  if (subnet) rules.push({ table: 'nat', chain: 'POSTROUTING', spec: `-s ${subnet} ! -o ${bridge} ${c} -j MASQUERADE` });
  return rules;
}

/** One iptables-restore input: FORWARD rules inserted at the top in the given order, nat rules appended. */
function restoreInput(rules: Rule[], op: 'add' | 'delete'): string {
  const out: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const mine = rules.filter((r) => r.table === table);
    if (mine.length === 0) continue;
    out.push(`*${table}`);
    mine.forEach((r, i) => {
      if (op === 'delete') out.push(`-D ${r.chain} ${r.spec}`);
      else if (r.chain === 'FORWARD') out.push(`-I ${r.chain} ${i + 1} ${r.spec}`);
      else out.push(`-A ${r.chain} ${r.spec}`);
    });
    out.push('COMMIT');
  }
  return out.join('\n') + '\n';
}

export class Iptables {
  constructor(private readonly restore: string, private readonly save: string, private readonly comment: string) {}

  /** All the rules in one transaction (iptables-restore --noflush): all or none of them are in. */
  async add(rules: Rule[]): Promise<void> {
    await this.apply(restoreInput(rules, 'add'));
  }

  /** Deletes the rules; when some are gone already, deletes whatever is left of them. */
  async remove(rules: Rule[]): Promise<void> {
    if (rules.length === 0) return;
    try {
      await this.apply(restoreInput(rules, 'delete'));
    } catch {
      const present = await this.ownRules();
      await this.apply(restoreInput(rules.filter((r) => present.some((p) => sameRule(p, r))), 'delete'));
    }
  }

  /** Deletes every rule with this daemon's comment (a crashed predecessor's, or ours at close) but those `kept`. */
  async purge(kept: Rule[] = []): Promise<void> {
    const present = (await this.ownRules()).filter((p) => !kept.some((k) => sameRule(p, k)));
    if (present.length > 0) await this.apply(restoreInput(present, 'delete'));
  }

  /** This daemon's rules as iptables-save prints them (its canonical form of what we added). */
  private async ownRules(): Promise<Rule[]> {
    const rules: Rule[] = [];
    for (const table of ['filter', 'nat'] as const) {
      const text = await runWithInput(this.save, ['-t', table], '');
      for (const line of text.split('\n')) {
        const m = /^-A (\S+) (.*)$/.exec(line);
        if (m && new RegExp(`--comment "?${this.comment}"?( |$)`).test(m[2])) rules.push({ table, chain: m[1], spec: m[2] });
      }
    }
    return rules;
  }

  private async apply(input: string): Promise<void> {
    if (input.trim() === '') return;
    try {
      await runWithInput(this.restore, ['-w', '--noflush'], input);
    } catch {
      // Another daemon's transaction may have raced ours on the same tables: one more try settles that.
      await runWithInput(this.restore, ['-w', '--noflush'], input);
    }
  }
}

/** iptables-save reorders a rule's matches; the words, as a set, identify it well enough among ours. */
function sameRule(a: Rule, b: Rule): boolean {
  const words = (s: string) => s.replace(/"/g, '').split(/\s+/).filter(Boolean).sort().join(' ');
  return a.table === b.table && a.chain === b.chain && words(a.spec) === words(b.spec);
}
