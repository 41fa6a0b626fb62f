import { randomUUID } from 'node:crypto';
import type { Persistence, RunningWorkload, SimContext } from '../context';
import { GcpError, invalid, notFound } from '../errors';
import { typed, type Operations } from '../operations';
import { page } from '../paging';
import { checkLabels } from '../run/model';
import { LOCATION, route, SEGMENT, type Call, type Route } from '../routes';
import { now } from '../time';
import { invokeFunction } from './invoke';

export const FUNCTION_TYPE = 'google.cloud.functions.v2.Function';
const METADATA_TYPE = 'google.cloud.functions.v2.OperationMetadata';
/**
 * Gen2 functions are built from source by Cloud Build into an image that Cloud Run serves; the API has no
 * field for a prebuilt image. The simulator takes that image from this build-time variable instead of building.
 */
export const IMAGE_VARIABLE = 'SOCKERLESS_FUNCTION_IMAGE';
/** Gen2's default request timeout and its cap for HTTP functions (60 s, 3600 s). */
const DEFAULT_TIMEOUT_S = 60;
const MAX_TIMEOUT_S = 3600;

export interface CloudFunction {
  name: string;
  description?: string;
  buildConfig: Record<string, unknown> & { environmentVariables?: Record<string, string>; entryPoint?: string; runtime?: string };
  serviceConfig: Record<string, unknown> & { environmentVariables?: Record<string, string>; timeoutSeconds: number; uri: string; service: string; revision: string };
  state: 'ACTIVE' | 'DEPLOYING' | 'DELETING' | 'FAILED';
  updateTime: string;
  createTime: string;
  labels: Record<string, string>;
  environment: 'GEN_2';
  url: string;
}

/** Cloud Functions v2: functions create/get/list/delete (their LROs) and the invoke path of each function's URL. */
export class FunctionsService {
  private readonly functions = new Map<string, CloudFunction>();
  /** Requests' processes in flight, ended when the simulator goes down. */
  private readonly live = new Set<RunningWorkload>();

  constructor(private readonly ctx: SimContext, private readonly persist: Persistence, private readonly ops: Operations, private readonly endpoint: () => string) {
    for (const f of persist.load<CloudFunction[]>('functions') ?? []) this.functions.set(f.name, f);
  }

  routes(): Route[] {
    const FUNCTION = `${LOCATION.slice(0, -1)}/functions/${SEGMENT.slice(1)}`;
    return [
      route('functions', 'POST', `${LOCATION}/functions`, (c) => this.create(c)),
      route('functions', 'GET', `${LOCATION}/functions`, (c) => this.list(c)),
      route('functions', 'GET', FUNCTION, (c) => this.get(c.params[0])),
      route('functions', 'DELETE', FUNCTION, (c) => this.delete(c.params[0])),
      // The function's URL (serviceConfig.uri): any method, any path below it, as Cloud Run serves it.
      { service: 'functions', method: '*', path: /^\/functions\/([^/]+)\/([^/]+)\/([^/]+)(?:\/.*)?$/, handle: (c) => this.invoke(c) },
    ];
  }

  /** Ends the requests' processes (the simulator is going down); their requests are answered 500. */
  async close(): Promise<void> {
    await Promise.all([...this.live].map(async (w) => {
      await w.signal('SIGKILL').catch(() => undefined);
      await w.exited.catch(() => undefined);
    }));
  }

  private get(name: string): CloudFunction {
    const f = this.functions.get(name);
    if (!f) throw notFound(name);
    return f;
  }

  private create(c: Call): unknown {
    const parent = c.params[0];
    const id = c.query.get('functionId') ?? '';
    if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(id)) throw invalid(`Invalid function_id "${id}": it must be 1-63 lowercase letters, digits or hyphens and start with a letter`);
    const body = c.json();
    const name = `${parent}/functions/${id}`;
    if (this.functions.has(name)) throw new GcpError('ALREADY_EXISTS', `Function ${id} in region ${parent.split('/')[3]} in project ${parent.split('/')[1]} already exists`);
    if (body.eventTrigger) throw new GcpError('UNIMPLEMENTED', 'event-triggered functions are not supported by the Sockerless simulator; it serves HTTP functions');
    const build = (body.buildConfig ?? {}) as CloudFunction['buildConfig'];
    const image = build.environmentVariables?.[IMAGE_VARIABLE];
    if (!image) throw new GcpError('UNIMPLEMENTED', `building functions from source is not supported by the Sockerless simulator; give the function's image in buildConfig.environmentVariables.${IMAGE_VARIABLE}`);
    const service = (body.serviceConfig ?? {}) as Record<string, unknown>;
    const timeoutSeconds = service.timeoutSeconds === undefined ? DEFAULT_TIMEOUT_S : Number(service.timeoutSeconds);
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_S) throw invalid(`serviceConfig.timeoutSeconds must be between 1 and ${MAX_TIMEOUT_S}`);
    const [, project, , location] = parent.split('/');
    const at = now();
    // As a deployment whose image cannot be pulled: the operation fails and no function is left.
    if (!this.ctx.runner.hasImage(image)) return this.ops.start(parent, this.metadata(name, 'create', at), { error: new GcpError('NOT_FOUND', `Image '${image}' not found.`) });
    const uri = `${this.endpoint()}/functions/${project}/${location}/${id}`;
    const fn: CloudFunction = {
      name,
      ...(typeof body.description === 'string' ? { description: body.description } : {}),
      buildConfig: { ...build, build: `projects/${project}/locations/${location}/builds/${randomUUID()}` },
      serviceConfig: {
        ...service, timeoutSeconds, uri, service: `projects/${project}/locations/${location}/services/${id}`, revision: `${id}-00001-sim`,
        availableMemory: (service.availableMemory as string | undefined) ?? '256M', maxInstanceCount: Number(service.maxInstanceCount ?? 100),
        ingressSettings: 'ALLOW_ALL', allTrafficOnLatestRevision: true,
      },
      state: 'ACTIVE', createTime: at, updateTime: at, labels: checkLabels(body.labels), environment: 'GEN_2', url: uri,
    };
    this.functions.set(name, fn);
    this.changed();
    return this.ops.start(parent, this.metadata(name, 'create', at), { response: typed(FUNCTION_TYPE, fn) });
  }

  private list(c: Call): unknown {
    const parent = c.params[0];
    const mine = [...this.functions.values()].filter((f) => f.name.startsWith(`${parent}/functions/`)).sort((a, b) => a.name.localeCompare(b.name));
    const { items, nextPageToken } = page(mine, { pageSize: c.query.get('pageSize') ?? undefined, pageToken: c.query.get('pageToken') ?? undefined }, `functions:${parent}`);
    return { functions: items, ...(nextPageToken ? { nextPageToken } : {}), unreachable: [] };
  }

  private delete(name: string): unknown {
    this.get(name);
    this.functions.delete(name);
    this.changed();
    return this.ops.start(name.split('/').slice(0, 4).join('/'), this.metadata(name, 'delete', now()), {});
  }

  private async invoke(c: Call): Promise<undefined> {
    const [project, location, id] = c.params;
    const fn = this.functions.get(`projects/${project}/locations/${location}/functions/${id}`);
    if (!fn) {
      // Cloud Run's front end answers an unknown service with a plain 404 page, not an API error.
      c.res.writeHead(404, { 'content-type': 'text/html; charset=UTF-8' });
      c.res.end('<html><body><h1>Error: Page not found</h1></body></html>');
      return undefined;
    }
    await invokeFunction(this.ctx, fn, c, this.live);
    return undefined;
  }

  private metadata(target: string, verb: string, createTime: string) {
    return typed(METADATA_TYPE, { createTime, endTime: now(), target, verb, apiVersion: 'v2', requestedCancellation: false });
  }

  private changed(): void {
    this.persist.changed('functions', () => [...this.functions.values()]);
  }
}
