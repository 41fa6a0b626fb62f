import { coreNetworksExtensionPoint, definePlugin } from '@sockerless/sdk';
import { DockerNetworks } from './docker-networks';

export { DockerNetworks } from './docker-networks';
export { NetworkService } from './networks';

/**
 * Docker's networks as a plugin (dockerd's daemon/network.go with libnetwork's default IPAM): the predefined
 * `bridge`, `host` and `none`, user-defined bridge networks with their subnets and addresses, endpoints and
 * the `/etc/hosts` lines peers find each other by, legacy links, published ports, and tenants' own networks.
 * The core adds it when no configured plugin provides `core.networks`, so configs need not name it.
 */
export default definePlugin({
  id: 'networks',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { networks: coreNetworksExtensionPoint },
      init({ networks }) {
        networks.setNetworks((ctx) => new DockerNetworks(ctx));
      },
    });
  },
});
