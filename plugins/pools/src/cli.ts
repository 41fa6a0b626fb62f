import { defineCliContribution } from '@sockerless/sdk';
import { formatPoolsTable, poolsCommand } from './pools-command';
import type { PoolSummary } from './pool-status';

/** The `sockerless pools` command and the Pools section of `sockerless status`. */
export const cli = defineCliContribution({
  commands: [poolsCommand],
  statusSections: [{
    key: 'pools',
    title: 'Pools',
    path: '/internal/pools',
    format: (data) => formatPoolsTable(data as PoolSummary[]),
    absent: 'none: without the pools plugin every container goes to the default backend\n',
  }],
});
