import { coreHttpRoutesExtensionPoint, coreServices, coreSimulatorExtensionPoint, definePlugin, type Simulator } from '@sockerless/sdk';
import { SimulatorHost, type SimulatorListeners } from './simulator-host';

export { DEFAULT_SIMULATOR_LISTEN, SimulatorHost, type SimulatorListeners } from './simulator-host';

/**
 * The cloud simulators other plugins register (`coreSimulatorExtensionPoint`, which this plugin owns): each
 * runs on its own listener (`simulators.<name>.listen` in the config) from the start hooks on, before backend
 * instances are made, so a cloud backend finds it through `coreServices.simulators` (which this plugin
 * provides); it stops after the core has closed the backends (shutdown runs after), and `GET
 * /internal/simulators` lists them. The daemon adds this plugin to every config (core/src/config/implied-plugins.ts).
 */
export default definePlugin({
  id: 'simulators',
  sdk: '^1.0.0',
  register(reg) {
    const registered: Simulator[] = [];
    let started = false;
    const directory = new SimulatorHost();
    reg.registerExtensionPoint(coreSimulatorExtensionPoint, {
      register: (simulator) => {
        if (started) throw new Error(`simulator '${simulator.name}' registered after the simulators started; register in init`);
        registered.push(simulator);
      },
    });
    reg.provideService(coreServices.simulators, () => directory);
    reg.registerInit({
      deps: { config: coreServices.config, logger: coreServices.logger, lifecycle: coreServices.lifecycle, routes: coreHttpRoutesExtensionPoint },
      async init({ config, logger, lifecycle, routes }) {
        // Where this daemon's simulators listen, for tools and tests that point a cloud SDK at them.
        routes.add({ method: 'GET', path: '/internal/simulators', handler: () => ({ body: directory.list() }) });
        lifecycle.onStart(async () => {
          started = true;
          await directory.startAll(registered, config.section('simulators') as SimulatorListeners, config.file, logger);
        });
        lifecycle.onShutdown(() => directory.stopAll(logger));
      },
    });
  },
});
