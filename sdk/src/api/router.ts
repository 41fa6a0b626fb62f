import type { Context, Next } from 'koa';

/** A request as a route sees it: koa's context with the path's `:name` and `*rest` parameters. */
export type DockerApiContext = Context & { params: Record<string, string> };

export type DockerApiHandler = (ctx: DockerApiContext, next: Next) => unknown;

/**
 * What a component's Docker API routes are registered on: the part of @koa/router's Router they use. As in
 * moby, where the image service, the builder, volumes and networks each hand the API server their router
 * (`image.NewRouter`, `build.NewRouter`...), the server keeps versions, admission and the error shape.
 */
export interface DockerApiRouter {
  get(path: string, handler: DockerApiHandler): unknown;
  head(path: string, handler: DockerApiHandler): unknown;
  post(path: string, handler: DockerApiHandler): unknown;
  put(path: string, handler: DockerApiHandler): unknown;
  delete(path: string, handler: DockerApiHandler): unknown;
}

/** What a component that answers Docker API routes carries; the core registers them under its middleware. */
export interface DockerApiRoutes {
  /** Registers the component's routes; the core calls it once per API server, in the place dockerd's router has. */
  registerRoutes?(router: DockerApiRouter): void;
}
