/**
 * What a Docker API router needs, for the plugins that answer their own routes (the image store, the builder,
 * volumes, networks) and the core's: the request helpers (bodies, queries, filters, JSON-lines streams), the
 * error answers, and the router type. Like moby's api/server/httputils, which every router imports.
 */
export * from './requests';
export * from './error-status';
export * from './router';
