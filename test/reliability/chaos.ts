/**
 * The chaos harness (issue 13, item 3): several dockerode clients run a seeded mixed workload (create, start,
 * stop, rm, rename, networks create/connect/rm, volumes create/rm, execs; two pools) against a real daemon on
 * backend-local, and at random moments the daemon is `kill -9`ed and booted again on the same home. After
 * each boot, with the clients parked: every acknowledged create is still listed unless an acknowledged remove
 * followed it (lost), nothing is listed that no client asked for (phantoms; a create whose answer the kill cut
 * counts as neither), and the host holds nothing the daemon does not account for (orphans: chaos-orphans.ts).
 * Live-restore: a container running before the kill runs after the boot unless a start, stop or remove of it was
 * in flight (not kept).
 *
 *   npx jiti test/reliability/chaos.ts              # 30 kills (CI's short mode)
 *   npx jiti test/reliability/chaos.ts --long       # 1,000 kills (the bench's long mode)
 *   ... --kills N --seed S --clients C --no-pools --verbose
 *
 * The seed fixes each client's operations and the delays before the kills, not how the clients interleave.
 * Prints ONE line: `chaos: 30 kills, 0 lost, 0 phantoms, 0 orphans, 0 failed restarts, ...`.
 */
import Docker from 'dockerode';
import { join } from 'node:path';
import { docker as dockerCli } from '../support/docker-cli';
import { startTestDaemon, type TestDaemon } from '../support/daemon';
import { BUSYBOX, BUSYBOX_IMPORT_CHANGES } from '../support/e2e';
import { buildBusyboxRootfsTar } from '../support/images';
import { managementApi, poolsConfig, type PoolStatus } from '../support/pools';
import { Gate, runClient } from './chaos-clients';
import { Journal, type Listed } from './chaos-journal';
import { hostCountsOf, leftoverContainerDirs, orphansOf, type DaemonView } from './chaos-orphans';
import { Rng } from './fuzz-inputs';

export interface ChaosOptions {
  kills: number;
  seed?: number;
  clients?: number;
  /** Without the pools plugin (one backend, no pool slots to check). */
  noPools?: boolean;
  /** One line per kill, to stderr. */
  verbose?: boolean;
}

export interface ChaosResult {
  kills: number;
  lost: string[];
  phantoms: string[];
  orphans: string[];
  failedRestarts: number;
  acknowledged: number;
  runningBeforeKills: number;
  runningAfterRestarts: number;
  /** Containers running before a kill (no start, stop or remove in flight for them) that did not run after the boot. */
  notKept: string[];
  /** Container dirs with no container after a boot (the boot removes what a cut create or remove left). */
  leftoverDirs: string[];
  figure: string;
}

const POOLS = ['default', 'other'];
/**
 * Workload between kills: mostly 200 ms to 1.2 s; one kill in ten comes within 50 ms of the boot's ready
 * line, while the clients' first requests after it are in flight.
 */
const workloadMs = (rng: Rng) => (rng.chance(0.1) ? rng.int(50) : 200 + rng.int(1000));

async function viewOf(daemon: TestDaemon, client: Docker, pools: boolean): Promise<DaemonView & Listed> {
  // First a call the daemon holds until its boot's recovery is done (recovery-gate.ts; `ps` is answered from
  // the store before that): the container list is then the recovered one, and the boot's sweep has run.
  const volumes = await client.listVolumes();
  const [containers, networks] = await Promise.all([client.listContainers({ all: true }), client.listNetworks()]);
  const poolStatus: PoolStatus[] = pools ? await Promise.all(POOLS.map((p) => managementApi(daemon).pool(p))) : [];
  return {
    containers: containers.map((c) => ({
      id: c.Id, name: c.Names[0]!.replace(/^\//, ''), running: c.State === 'running',
      networks: Object.values(c.NetworkSettings?.Networks ?? {}).map((n) => n.NetworkID),
      publicPorts: (c.Ports ?? []).map((p) => p.PublicPort).filter((p): p is number => !!p),
      pool: c.Labels?.['com.sockerless.pool'],
    })),
    networks: networks.map((n) => ({ id: n.Id, name: n.Name })),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
    pools: poolStatus,
  };
}

/** The orphans left after a boot; a boot may still be tearing down (e.g. overlays) so it is asked again briefly. */
async function settledOrphans(daemon: TestDaemon, client: Docker, pools: boolean): Promise<string[]> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const found = orphansOf(daemon.home, daemon.pid, await viewOf(daemon, client, pools));
    if (found.length === 0 || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const seed = opts.seed ?? 1;
  const clients = opts.clients ?? 4;
  const pools = !opts.noPools;
  const rng = new Rng(seed);
  const daemon = await startTestDaemon(pools ? { config: poolsConfig({ default: { backends: ['a'] }, other: { backends: ['b'] } }) } : {});
  const client = new Docker({ socketPath: daemon.socket, timeout: 60_000 });
  const journal = new Journal();
  const gate = new Gate();
  const r = { notKept: [] as string[], lost: [] as string[], phantoms: [] as string[], orphans: [] as string[], leftoverDirs: [] as string[], failedRestarts: 0, runningBefore: 0, runningAfter: 0 };
  let kills = 0;
  const workers: Array<Promise<void>> = [];
  try {
    const cli = await dockerCli(daemon.dockerHost, daemon.dir, ['import', ...BUSYBOX_IMPORT_CHANGES, await buildBusyboxRootfsTar(join(daemon.dir, 'rootfs-build')), BUSYBOX]);
    if (cli.code !== 0) throw new Error(`docker import: ${cli.stderr}`);
    for (let i = 0; i < clients; i++) {
      workers.push(runClient({ index: i, seed, socket: daemon.socket, journal, gate, image: BUSYBOX, pools: pools ? POOLS : [] }));
    }
    for (; kills < opts.kills; kills++) {
      await new Promise((res) => setTimeout(res, workloadMs(rng)));
      journal.mark();
      const runningBefore = await client.listContainers().catch(() => []);
      const running = new Set(runningBefore.map((c) => c.Id));
      const before = opts.verbose ? hostCountsOf(daemon.home, daemon.pid) : '';
      gate.close();
      await daemon.kill9();
      await gate.allParked(clients);
      let booted = false;
      for (let attemptNo = 0; attemptNo < 3 && !booted; attemptNo++) {
        booted = await daemon.restart().then(() => true, (err: Error) => {
          r.failedRestarts++;
          process.stderr.write(`chaos: boot after kill ${kills + 1} failed: ${err.message.slice(-2000)}\n`);
          return false;
        });
      }
      if (!booted) throw new Error(`the daemon did not boot after kill ${kills + 1} (seed ${seed})`);
      const view = await viewOf(daemon, client, pools);
      const verdict = journal.judge(view);
      const orphans = await settledOrphans(daemon, client, pools);
      const kept = view.containers.filter((c) => c.running && running.has(c.id)).length;
      const runningAfter = new Set(view.containers.filter((c) => c.running).map((c) => c.id));
      for (const c of runningBefore) {
        if (runningAfter.has(c.Id) || journal.touchedSinceMark.has(c.Id)) continue;
        const state = await client.getContainer(c.Id).inspect().then((i) => `${i.State.Status} ${i.State.ExitCode} ${i.State.Error}`.trim(), () => 'gone');
        r.notKept.push(`kill ${kills + 1}: container ${c.Names[0]} (${c.Id.slice(0, 12)}) ran before the kill, not after (${state})`);
      }
      r.runningBefore += running.size;
      r.runningAfter += kept;
      const tag = (s: string) => `kill ${kills + 1}: ${s}`;
      r.lost.push(...verdict.lost.map(tag));
      r.phantoms.push(...verdict.phantoms.map(tag));
      r.orphans.push(...orphans.map(tag));
      const leftovers = leftoverContainerDirs(daemon.home, view);
      r.leftoverDirs.push(...leftovers.map(tag));
      journal.settle(await viewOf(daemon, client, pools));
      if (opts.verbose) {
        process.stderr.write(`kill ${kills + 1}: ${view.containers.length} containers, ${view.networks.length} networks, ${view.volumes.length} volumes, `
          + `${verdict.lost.length} lost, ${verdict.phantoms.length} phantoms, ${orphans.length} orphans, running kept ${kept} of ${running.size}; at the kill: ${before}\n`);
        for (const line of [...verdict.lost, ...verdict.phantoms, ...orphans, ...leftovers]) process.stderr.write(`  ${line}\n`);
      }
      gate.open();
    }
  } finally {
    gate.stopped = true;
    gate.open();
    await Promise.all(workers);
    await daemon.dispose();
  }
  const figure = `chaos: ${kills} kills, ${r.lost.length} lost, ${r.phantoms.length} phantoms, ${r.orphans.length} orphans, `
    + `${r.failedRestarts} failed restarts, ${journal.acknowledged} acknowledged ops, ${journal.cut} answers cut, running kept ${r.runningAfter} of ${r.runningBefore} `
    + `(${r.notKept.length} not kept without a start, stop or rm in flight), ${r.leftoverDirs.length} container dirs left (seed ${seed}, ${clients} clients${pools ? ', 2 pools' : ''})`;
  return { kills, lost: r.lost, phantoms: r.phantoms, orphans: r.orphans, failedRestarts: r.failedRestarts, acknowledged: journal.acknowledged, runningBeforeKills: r.runningBefore, runningAfterRestarts: r.runningAfter, notKept: r.notKept, leftoverDirs: r.leftoverDirs, figure };
}

function argValue(args: string[], name: string): number | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : undefined;
}

// jiti runs this file with its own loader, where require.main is not this module.
if (require.main === module || /chaos\.[jt]s$/.test(process.argv[1] ?? '')) {
  const args = process.argv.slice(2);
  const kills = argValue(args, '--kills') ?? (args.includes('--long') ? 1000 : 30);
  runChaos({ kills, seed: argValue(args, '--seed'), clients: argValue(args, '--clients'), noPools: args.includes('--no-pools'), verbose: args.includes('--verbose') }).then((r) => {
    console.log(r.figure);
    for (const line of [...r.lost, ...r.phantoms, ...r.orphans, ...r.notKept, ...r.leftoverDirs].slice(0, 50)) console.error(line);
    process.exitCode = r.lost.length + r.phantoms.length + r.orphans.length + r.notKept.length + r.leftoverDirs.length + r.failedRestarts === 0 ? 0 : 1;
  }, (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exitCode = 2;
  });
}
