/** The admin token when none is configured: the simulator listens on loopback, for tests and demos. */
export const DEFAULT_ADMIN_TOKEN = 'glpat-sockerless-simulator';
/** The registration token when none is configured (the legacy `gitlab-runner register` flow). */
export const DEFAULT_REGISTRATION_TOKEN = 'GR1348941sockerless-simulator';
export const DEFAULT_LISTEN = 'tcp://127.0.0.1:8089';
