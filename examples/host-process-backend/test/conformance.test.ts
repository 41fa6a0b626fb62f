import { runBackendConformance } from '@sockerless/sdk/testing';
import { HostProcessDriver } from '../index';

// The example runs the host's own /bin/sh: the image is only a name to it.
runBackendConformance({
  name: 'example host-process backend',
  driver: (ctx) => new HostProcessDriver(ctx),
  image: { id: 'sha256:host', ref: 'host' },
  skip: {
    archive: 'the example has no container filesystem of its own: a path in the container would be the host\'s',
    pause: 'the example keeps no cgroup to freeze',
    stats: 'the example keeps no cgroup to measure',
  },
});
