import { AwsError } from '../errors';
import { includesTags, optString, optStringList, pageByOffset, pageSize, type Json, type Json11Operations } from '../wire';
import { clusterName, type Cluster, type EcsState } from './model';
import { parseTags } from './tags';

const NAME_RE = /^[A-Za-z0-9_-]{1,255}$/;

export function clusterOperations(state: EcsState): Json11Operations {
  const view = (c: Cluster, withTags: boolean) => {
    let running = 0;
    let pending = 0;
    for (const t of state.tasks.values()) {
      if (t.clusterArn !== c.clusterArn) continue;
      if (t.lastStatus === 'RUNNING') running++;
      else if (t.lastStatus === 'PENDING' || t.lastStatus === 'PROVISIONING') pending++;
    }
    return {
      clusterArn: c.clusterArn, clusterName: c.clusterName, status: c.status,
      runningTasksCount: running, pendingTasksCount: pending, activeServicesCount: 0, registeredContainerInstancesCount: 0,
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'], defaultCapacityProviderStrategy: [], settings: [], statistics: [],
      tags: withTags ? c.tags : undefined,
    };
  };
  return {
    CreateCluster(body) {
      const name = optString(body, 'clusterName') ?? 'default';
      if (!NAME_RE.test(name)) throw new AwsError('InvalidParameterException', 'Cluster names must be 1-255 letters, numbers, hyphens and underscores.');
      const tags = parseTags(body.tags);
      let c = state.clusters.get(name);
      // CreateCluster of an existing active cluster answers that cluster, as ECS does.
      if (!c || c.status !== 'ACTIVE') {
        c = { clusterArn: state.arn(`cluster/${name}`), clusterName: name, status: 'ACTIVE', tags, createdAt: Date.now() };
        state.clusters.set(name, c);
        state.changed();
      }
      return { cluster: view(c, true) };
    },
    DeleteCluster(body) {
      const c = state.cluster(optString(body, 'cluster'));
      const busy = [...state.tasks.values()].some((t) => t.clusterArn === c.clusterArn && t.lastStatus !== 'STOPPED');
      if (busy) throw new AwsError('ClusterContainsTasksException', 'The Cluster cannot be deleted while Tasks are active.');
      c.status = 'INACTIVE';
      state.changed();
      return { cluster: view(c, false) };
    },
    DescribeClusters(body) {
      const refs = optStringList(body, 'clusters') ?? ['default'];
      const withTags = includesTags(body);
      const clusters: unknown[] = [];
      const failures: unknown[] = [];
      for (const ref of refs) {
        const c = state.clusters.get(clusterName(ref));
        if (c) clusters.push(view(c, withTags));
        else failures.push({ arn: ref.startsWith('arn:') ? ref : state.arn(`cluster/${ref}`), reason: 'MISSING' });
      }
      return { clusters, failures };
    },
    ListClusters(body) {
      const arns = [...state.clusters.values()].filter((c) => c.status === 'ACTIVE').map((c) => c.clusterArn);
      const { page, nextToken } = pageByOffset(arns, body, { size: pageSize(body, 'maxResults', 100, 100) });
      return { clusterArns: page, nextToken };
    },
  };
}
