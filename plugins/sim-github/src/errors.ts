import type { ServerResponse } from 'node:http';

/** GitHub's error body: `{"message": ..., "documentation_url": ...}` with the REST API's status. */
export class GitHubError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (status === 204) { res.writeHead(204); res.end(); return; }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendGitHubError(res: ServerResponse, err: GitHubError): void {
  sendJson(res, err.status, { message: err.message, documentation_url: 'https://docs.github.com/rest', status: String(err.status) });
}
