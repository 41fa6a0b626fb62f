/** `GET /system/df` beside dockerd's (issue 14, item 5): the shape, and the numbers both engines must agree on. */
import type { Scenario } from '../model';
import { BUSYBOX, create, createVolume, start, wait } from './steps';

export const systemDfScenarios: Scenario[] = [
  {
    name: 'df: images, containers, volumes',
    note: 'sizes of layers differ by nature (dockerd measures its vfs directories, ours the layer tar), so only their types are compared',
    steps: [
      createVolume('vol', { Name: 'diff-df-vol' }),
      create('c', { Cmd: ['sh', '-c', 'echo hi > /data/x; echo abc > /f'], HostConfig: { Binds: ['diff-df-vol:/data'] } }, { name: 'diff-df-writer' }),
      start('c'),
      wait('c'),
      { as: 'tag', cli: ['tag', BUSYBOX, 'diff-df-other:1'] },
      {
        as: 'df',
        method: 'GET',
        path: '/system/df',
        compare: {
          fields: [
            { path: '', how: 'keys' },
            { path: 'LayersSize', how: 'type' },
            { path: 'Images.0', how: 'keys' }, { path: 'Images.0.RepoTags', how: 'sorted' }, 'Images.0.SharedSize', 'Images.0.Containers',
            { path: 'Images.0.Size', how: 'type' },
            { path: 'Containers.0', how: 'keys' }, 'Containers.0.Names', { path: 'Containers.0.SizeRw', how: 'type' }, { path: 'Containers.0.SizeRootFs', how: 'type' },
            { path: 'Volumes.0', how: 'keys' }, 'Volumes.0.Name', 'Volumes.0.UsageData',
            'BuildCache', 'BuilderSize',
          ],
        },
      },
      { as: 'docker system df', cli: ['system', 'df', '--format', '{{.Type}} {{.TotalCount}} {{.Active}}'], compare: { text: true } },
      { as: 'rmi tag', cli: ['rmi', 'diff-df-other:1'] },
    ],
  },
];
