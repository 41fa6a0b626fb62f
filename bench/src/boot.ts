/**
 * Figure 6: how long our daemon takes from spawn() to the first answered GET /_ping, started exactly as a
 * user starts it with no flags (embedded default config, default socket), each time with a fresh home.
 */
import { startSockerless } from './engines';
import { summarize, type Stats } from './measure';
import type { Teardown } from './teardown';

export async function measureBoots(workDir: string, boots: number, teardown: Teardown): Promise<Stats> {
  const samples: number[] = [];
  for (let i = 1; i <= boots; i++) {
    const engine = await startSockerless(workDir, { label: `boot-${i}`, subdir: `boot-${i}`, embeddedDefault: true });
    teardown.add(() => engine.stop());
    samples.push(engine.bootMs);
    await engine.stop();
  }
  return summarize(samples);
}
