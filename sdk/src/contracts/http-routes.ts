/** Management routes under `/internal/...`, described without tying plugins to the HTTP framework. */
export interface HttpRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  /** The JSON body, parsed when read (a 400 then for malformed JSON). */
  body: unknown;
  /** The body as the client sent it (POST, PUT, PATCH), for checks over the exact bytes: a webhook's HMAC signature. */
  rawBody?: string;
}

export interface HttpResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Must start with `/internal/`; `:name` segments become params. */
  path: string;
  handler(request: HttpRequest): HttpResponse | Promise<HttpResponse>;
}

export interface HttpRoutesRegistry {
  add(route: HttpRoute): void;
}
