import { coreAdmissionExtensionPoint, coreServices, definePlugin } from '@sockerless/sdk';
import { createTenantsController } from './controller';
import { parseTenantsConfig, sharedPools } from './tenants-config';

export { createTenantsController, isOperatorOnlyPath, TENANT_LABEL, TENANTS_ORDER, type ControllerOptions } from './controller';
export { checkHostAccess, hostPathOf } from './host-access';
export { parseTenantsConfig, sharedPools, type Identity, type Tenant, type TenantsConfig } from './tenants-config';
export { TokenBucket } from './token-bucket';

/**
 * Tenants: API tokens confined to their pools. A tenant sees only containers in its pools, creates only
 * there (its first pool by default), at most `createsPerMinute`, and never reaches the management API.
 * Configured by the top-level `tenants` section rather than plugin options, beside `pools`.
 */
export default definePlugin({
  id: 'tenants',
  sdk: '^1.0.0',
  register(reg) {
    reg.registerInit({
      deps: { admission: coreAdmissionExtensionPoint, config: coreServices.config, logger: coreServices.logger },
      init({ admission, config, logger }) {
        const parsed = parseTenantsConfig(config.section('tenants'));
        admission.register(createTenantsController(parsed));
        for (const { pool, tenants } of sharedPools(parsed)) {
          logger.warn('tenants share a pool and see each other\'s containers in it', { pool, tenants });
        }
        logger.info('tenants configured', {
          tenants: [...parsed.tenants.keys()], operatorTokens: parsed.operatorTokenCount, anonymous: parsed.anonymous,
        });
      },
    });
  },
});
