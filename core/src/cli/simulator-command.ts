import { createReadStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { startDaemon, type RunningDaemon } from '../daemon';
import { simulatorLine } from '../simulators';
import { simulatorConfig } from './presets';

export const SIMULATOR_USAGE = `  sockerless simulator aws [--listen tcp://HOST:PORT] [--home DIR] [--load IMAGE.tar]... [--start-delay MS]
      Runs the AWS simulator (ECS, CloudWatch Logs, Lambda) alone, with no Docker API. Its state and its
      image store live in --home (default ./.sockerless-sim-aws), so daemons can come and go against it.
      --load puts a docker-save archive in that store, as a push to the cloud's registry would; tasks and
      functions run the images found there. --start-delay holds each task in PENDING for MS ms. It prints
      "AWS simulator: http://HOST:PORT" once it listens.
`;

export interface SimulatorArgs {
  cloud: string | undefined;
  listen?: string;
  home?: string;
  load: string[];
  startDelayMs?: number;
}

/** Starts the simulator host; resolves with it once every archive is loaded and the listener is open. */
export async function startSimulatorHost(args: SimulatorArgs, out: (s: string) => void): Promise<RunningDaemon> {
  if (!args.cloud) throw new Error(`sockerless simulator: which cloud? (known: aws)\nUsage:\n${SIMULATOR_USAGE}`);
  for (const file of args.load) {
    if (!existsSync(file)) throw new Error(`--load ${file}: no such file`);
  }
  const config = simulatorConfig(args.cloud, args.listen ?? 'tcp://127.0.0.1:4566', args.startDelayMs);
  const home = resolve(args.home ?? `.sockerless-sim-${args.cloud}`);
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
