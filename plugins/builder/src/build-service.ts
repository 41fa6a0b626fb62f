import { join } from 'node:path';
import type { BuildCachePruneOptions, BuildOptions, Builder, BuilderContext, DockerApiRouter, ReceivedBuildContext } from '@sockerless/sdk';
import type { ProgressWriter } from '@sockerless/sdk/images';
import { BuildCache } from './build-cache';
import { receiveContext, type BuildContext } from './build-context';
import { runBuild } from './builder';
import { registerBuildRoutes } from './build-routes';
import { runStepContainer } from './run-step';

/** The classic builder behind dockerd's `/build` routes: contexts under `home/build`, one durable step cache. */
export class BuildService implements Builder {
  private readonly cache: BuildCache;
  private readonly workRoot: string;

  constructor(private readonly ctx: BuilderContext) {
    this.cache = new BuildCache(ctx.store, ctx.images, (imageId) => ctx.containersUsingImage(imageId));
    this.workRoot = join(ctx.home, 'build');
  }

  load(): Promise<void> {
    return this.cache.load();
  }

  registerRoutes(router: DockerApiRouter): void {
    registerBuildRoutes(router, this);
  }

  receiveContext(body: AsyncIterable<Buffer>, dockerfile?: string): Promise<BuildContext> {
    return receiveContext(body, this.workRoot, dockerfile);
  }

  build(context: ReceivedBuildContext, opts: BuildOptions, write: ProgressWriter): Promise<string> {
    // A context this builder's receiveContext made: the route only hands it back.
    return runBuild(
      { images: this.ctx.images, cache: this.cache, workRoot: this.workRoot, runStep: (req) => runStepContainer(this.ctx.containers, req) },
      { ...opts, context: context as BuildContext, runSupported: this.ctx.runSupported() },
      write,
    );
  }

  prune(opts: BuildCachePruneOptions) {
    return this.cache.prune(opts);
  }

  usage() {
    return this.cache.usage();
  }

  flushUsage(): Promise<void> {
    return this.cache.flushUsage();
  }
}
