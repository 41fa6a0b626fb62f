import { check, checkEqual, type ConformanceSession } from './session';
import type { ConformanceScenario } from './scenario';

type Session = ConformanceSession<unknown>;

/** Prints a number every 20 ms: output that stops while the workload is frozen. */
const COUNTER = 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.02; done';
/** How long a frozen counter must stay silent: ten of its periods. */
const FROZEN_MS = 200;
/** Output written just before the freeze that may still be in a pipe on its way. */
const IN_FLIGHT_MS = 50;

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The optional powers `docker pause`/`unpause` and `docker stats` rest on (the core's 501 and zeros without them). */
export const resourceScenarios: ConformanceScenario[] = [
  {
    name: 'pause: a frozen workload writes nothing until unpause, then goes on',
    power: 'pause',
    needs: ['pause', 'unpause'],
    async run(s: Session) {
      const spec = s.spec(COUNTER);
      const proc = await s.createAndStart(spec);
      const out = { data: '' };
      proc.stdout.on('data', (c: Buffer) => { out.data += c.toString(); });
      const lastNumber = () => Number(out.data.trim().split('\n').pop());
      const until = (what: string, cond: () => boolean) => s.bounded((async () => { while (!cond()) await delay(10); })(), what);
      await until('the counter to count', () => lastNumber() >= 3);
      await s.bounded(s.driver.pause!(spec.id), 'pause to resolve');
      if (s.driver.isPaused) checkEqual(await s.driver.isPaused(spec.id), true, 'isPaused() after pause');
      // What was written just before the freeze may still be on its way; then ten periods of silence.
      await delay(IN_FLIGHT_MS);
      const frozenAt = out.data.length;
      await delay(FROZEN_MS);
      checkEqual(out.data.slice(frozenAt), '', 'output written while paused');
      await s.bounded(s.driver.unpause!(spec.id), 'unpause to resolve');
      const last = lastNumber();
      await until('the counter to go on after unpause', () => lastNumber() >= last + 2);
      await s.driver.signal(spec.id, 'SIGKILL');
      await s.exited(proc);
      await s.driver.remove(spec.id);
    },
  },
  {
    name: 'stats: a running workload has a sample in Docker\'s shape; an exited one has none',
    power: 'stats',
    needs: ['stats'],
    async run(s: Session) {
      const spec = s.spec('echo ready; i=0; while :; do i=$((i+1)); done');
      const proc = await s.createAndStart(spec);
      await s.waitForText(proc.stdout, 'ready', { data: '' });
      const sample = await s.bounded(s.driver.stats!(spec.id), 'stats to answer');
      check(sample, 'stats() of a running workload answered undefined: docker stats would show zeros');
      check(typeof sample.cpu_stats?.cpu_usage?.total_usage === 'number', `cpu_stats.cpu_usage.total_usage is not a number: ${JSON.stringify(sample.cpu_stats)}`);
      check(typeof sample.memory_stats === 'object' && typeof sample.pids_stats === 'object', 'memory_stats and pids_stats must be objects');
      await s.driver.signal(spec.id, 'SIGKILL');
      await s.exited(proc);
      checkEqual(await s.driver.stats!(spec.id), undefined, 'stats() of an exited workload');
      await s.driver.remove(spec.id);
    },
  },
];
