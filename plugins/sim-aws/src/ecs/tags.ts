import { AwsError } from '../errors';
import { optStringList, reqString, type Json, type Json11Operations } from '../wire';
import type { EcsState, Tag } from './model';

const MAX_TAGS = 50;

/** ECS tags from a request (`[{key, value}]`), validated as the service does. */
export function parseTags(value: unknown): Tag[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new AwsError('InvalidParameterException', 'tags must be a list');
  if (value.length > MAX_TAGS) throw new AwsError('InvalidParameterException', `a resource can have at most ${MAX_TAGS} tags`);
  return value.map((t: unknown) => {
    const tag = t as Partial<Tag> | null;
    if (typeof tag?.key !== 'string' || tag.key.length < 1 || tag.key.length > 128) throw new AwsError('InvalidParameterException', 'Tag keys must be between 1 and 128 characters');
    if (tag.key.toLowerCase().startsWith('aws:')) throw new AwsError('InvalidParameterException', 'Tag keys beginning with aws: are reserved');
    const v = tag.value ?? '';
    if (typeof v !== 'string' || v.length > 256) throw new AwsError('InvalidParameterException', 'Tag values must be at most 256 characters');
    return { key: tag.key, value: v };
  });
}

/** `existing` with `added` applied: a key given again replaces its value. */
export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const out = new Map(existing.map((t) => [t.key, t.value]));
  for (const t of added) out.set(t.key, t.value);
  if (out.size > MAX_TAGS) throw new AwsError('InvalidParameterException', `a resource can have at most ${MAX_TAGS} tags`);
  return [...out.entries()].map(([key, value]) => ({ key, value }));
}

/** The taggable resource an ARN names: a cluster, a task definition revision or a task. */
function resourceOf(state: EcsState, arn: string): { tags: Tag[] } {
  const m = /^arn:[^:]+:ecs:[^:]*:[^:]*:(cluster|task-definition|task)\/(.+)$/.exec(arn);
  if (!m) throw new AwsError('InvalidParameterException', `The ARN ${arn} is not a valid ECS resource ARN.`);
  const [, kind, rest] = m;
  const found = kind === 'cluster' ? state.clusters.get(rest)
    : kind === 'task-definition' ? (rest.includes(':') ? state.findTaskDefinition(arn) : undefined)
      : state.tasks.get(rest.slice(rest.lastIndexOf('/') + 1));
  if (!found) throw new AwsError('ResourceNotFoundException', 'The specified resource could not be found.');
  return found;
}

export function tagOperations(state: EcsState): Json11Operations {
  return {
    TagResource(body) {
      const res = resourceOf(state, reqString(body, 'resourceArn'));
      res.tags = mergeTags(res.tags, parseTags(body.tags));
      state.changed();
      return {};
    },
    UntagResource(body) {
      const res = resourceOf(state, reqString(body, 'resourceArn'));
      const keys = new Set(optStringList(body, 'tagKeys') ?? []);
      res.tags = res.tags.filter((t) => !keys.has(t.key));
      state.changed();
      return {};
    },
    ListTagsForResource(body) {
      return { tags: resourceOf(state, reqString(body, 'resourceArn')).tags };
    },
  };
}
