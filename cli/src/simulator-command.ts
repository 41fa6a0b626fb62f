import { createReadStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { startDaemon, type RunningDaemon } from '@sockerless/core';
import { knownSimulator } from './presets';

export interface SimulatorArgs {
  cloud: string | undefined;
  listen?: string;
  home?: string;
  load: string[];
  startDelayMs?: number;
}

/** Starts the simulator host; resolves with it once every archive is loaded and the listener is open. */
export async function startSimulatorHost(args: SimulatorArgs, out: (s: string) => void): Promise<RunningDaemon> {
  const simulator = knownSimulator(args.cloud);
  for (const file of args.load) {
    if (!existsSync(file)) throw new Error(`--load ${file}: no such file`);
  }
  const config = simulator.config(args.listen ?? simulator.defaultListen, args.startDelayMs);
  const home = resolve(args.home ?? `.sockerless-sim-${simulator.cloud}`);
  // No Docker API listener: the simulator's own listener is the only door.
  const daemon = await startDaemon({ config, listen: [], home });
  try {
    for (const file of args.load) {
      await daemon.core.images.loadArchive(createReadStream(file), (msg: { stream?: string }) => { if (msg.stream) out(msg.stream); });
    }
  } catch (err) {
    await daemon.close();
    throw new Error(`--load: ${(err as Error).message}`);
  }
  for (const sim of daemon.simulators) out(`${simulatorLine(sim)}\n`);
  return daemon;
}

/**
 * The line the CLI prints for a simulator, e.g. `AWS simulator: http://127.0.0.1:4566`, and for one serving
 * https with its own certificate the CA file its clients must trust on the next line.
 */
export function simulatorLine(sim: RunningDaemon['simulators'][number]): string {
  const line = `${sim.name.toUpperCase()} simulator: ${sim.endpoint}`;
  return sim.caFile ? `${line}\n${sim.name.toUpperCase()} simulator CA file (trust it): ${sim.caFile}` : line;
}
