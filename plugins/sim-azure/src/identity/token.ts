import { randomUUID } from 'node:crypto';
import { plainRoute, SEGMENT, type Call, type Reply, type Route } from '../routes';

/**
 * Microsoft Entra ID as MSAL (under @azure/identity) reaches it when `authorityHost` points here: instance
 * discovery, the tenant's OpenID metadata and the v2.0 token endpoint's client-credentials grant. Any client id
 * and non-empty secret is accepted; the token is an unsigned JWT (the simulator checks no bearer token).
 */
export function tokenRoutes(): Route[] {
  return [
    plainRoute('GET', '/common/discovery/instance', (c) => ({
      status: 200,
      body: { tenant_discovery_endpoint: `${c.base}/common/v2.0/.well-known/openid-configuration`, 'api-version': '1.1', metadata: [{ preferred_network: host(c), preferred_cache: host(c), aliases: [host(c)] }] },
    })),
    plainRoute('GET', `/${SEGMENT}/v2.0/.well-known/openid-configuration`, (c) => ({ status: 200, body: metadata(c, c.params[0]) })),
    plainRoute('GET', `/${SEGMENT}/.well-known/openid-configuration`, (c) => ({ status: 200, body: metadata(c, c.params[0]) })),
    plainRoute('POST', `/${SEGMENT}/oauth2/v2.0/token`, (c) => token(c)),
  ];
}

const host = (c: Call): string => new URL(c.base).host;

function metadata(c: Call, tenant: string) {
  const at = `${c.base}/${tenant}`;
  return {
    token_endpoint: `${at}/oauth2/v2.0/token`, authorization_endpoint: `${at}/oauth2/v2.0/authorize`, device_authorization_endpoint: `${at}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${at}/oauth2/v2.0/logout`, jwks_uri: `${at}/discovery/v2.0/keys`, issuer: `${at}/v2.0`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'], response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'], subject_types_supported: ['pairwise'], id_token_signing_alg_values_supported: ['RS256'],
    request_uri_parameter_supported: false, tenant_region_scope: null, cloud_instance_name: 'microsoftonline.com', cloud_graph_host_name: 'graph.windows.net', msgraph_host: 'graph.microsoft.com',
  };
}

function token(c: Call): Reply {
  const form = new URLSearchParams(c.raw.toString('utf8'));
  const fail = (error: string, description: string): Reply => ({ status: 400, body: { error, error_description: description, error_codes: [900144], timestamp: new Date().toISOString(), trace_id: randomUUID(), correlation_id: randomUUID() } });
  if (form.get('grant_type') !== 'client_credentials') return fail('unsupported_grant_type', `AADSTS70003: The Sockerless simulator supports the client_credentials grant only, not '${form.get('grant_type') ?? ''}'.`);
  for (const p of ['client_id', 'scope']) if (!form.get(p)) return fail('invalid_request', `AADSTS900144: The request body must contain the following parameter: '${p}'.`);
  if (!form.get('client_secret') && !form.get('client_assertion')) return { status: 401, body: { error: 'invalid_client', error_description: "AADSTS7000215: Invalid client secret provided: the request has no 'client_secret'." } };
  const now = Math.floor(Date.now() / 1000);
  const scope = form.get('scope')!.split(' ')[0];
  const claims = { aud: scope.replace(/\/\.default$/, ''), iss: `${c.base}/${c.params[0]}/v2.0`, iat: now, nbf: now, exp: now + 3600, appid: form.get('client_id'), tid: c.params[0], sub: form.get('client_id'), ver: '2.0' };
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return { status: 200, body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.` } };
}
