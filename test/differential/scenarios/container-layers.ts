/**
 * `docker diff`, `docker export` and `docker commit` (issue 14, item 2) beside dockerd. dockerd here runs the
 * vfs storage driver (it compares trees), ours reads an overlay: the kinds reported must agree all the same.
 */
import type { Scenario } from '../model';
import { BUSYBOX } from './steps';

const WRITER = 'mkdir /newdir && echo hi > /newdir/f && rm /bin/ls && touch /etc/passwd && rm -rf /home && mkdir /home && touch /home/fresh';

export const containerLayerScenarios: Scenario[] = [
  {
    name: 'layers: diff, export, commit',
    steps: [
      { as: 'writer', cli: ['run', '--pull', 'never', '--name', 'diff-layers-writer', BUSYBOX, 'sh', '-c', WRITER] },
      { as: 'changes', method: 'GET', path: '/containers/diff-layers-writer/changes', compare: { fields: [{ path: '', how: 'sorted' }] } },
      { as: 'changes of nothing', method: 'GET', path: '/containers/diff-layers-nothing/changes', compare: { message: 'exact' } },
      { as: 'export', method: 'GET', path: '/containers/diff-layers-writer/export' },
      { as: 'commit', cli: ['commit', '-a', 'Ann <ann@example.com>', '-m', 'made by a test', '-c', 'ENV ADDED=1', '-c', 'CMD ["sh", "-c", "echo from commit"]', 'diff-layers-writer', 'diff-layers:v1'] },
      { as: 'run committed', cli: ['run', '--rm', '--pull', 'never', 'diff-layers:v1'], compare: { text: true } },
      { as: 'files of committed', cli: ['run', '--rm', '--pull', 'never', 'diff-layers:v1', 'sh', '-c', 'cat /newdir/f; ls /home; echo $ADDED; test -e /bin/ls || echo no-ls'], compare: { text: true } },
      { as: 'inspect committed', method: 'GET', path: '/images/diff-layers:v1/json', compare: { fields: ['Author', 'Comment', 'Config.Env', 'Config.Cmd', { path: 'RootFS.Layers', how: 'keys' }] } },
      { as: 'commit of nothing', method: 'POST', path: '/commit', query: { container: 'diff-layers-nothing', repo: 'x' }, compare: { message: 'exact' } },
      { as: 'commit with a bad change', method: 'POST', path: '/commit', query: { container: 'diff-layers-writer', changes: 'FROB x' }, compare: { message: 'exact' } },
      { as: 'remove image', cli: ['rmi', 'diff-layers:v1'] },
    ],
  },
];
