import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

/** AWS answers every call, failed ones too, with a request id (`x-amzn-RequestId`), a UUID. */
export function awsRequestId(): string {
  return randomUUID();
}

/** An AWS service error: `code` is the exception name the SDK turns into `err.name`. */
export class AwsError extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) {
    super(message);
  }
}

/** AWS JSON 1.1 (ECS, CloudWatch Logs): the status and `{"__type","message"}`. */
export function sendJson11Error(res: ServerResponse, err: AwsError): void {
  const body = JSON.stringify({ __type: err.code, message: err.message });
  res.writeHead(err.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': err.code, 'x-amzn-requestid': awsRequestId(), 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** REST-JSON (Lambda): the status, `x-amzn-errortype` and `{"Type","Message"}`. */
export function sendRestJsonError(res: ServerResponse, err: AwsError): void {
  const body = JSON.stringify({ Type: err.status >= 500 ? 'Service' : 'User', Message: err.message, message: err.message });
  res.writeHead(err.status, { 'content-type': 'application/json', 'x-amzn-errortype': err.code, 'x-amzn-requestid': awsRequestId(), 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
