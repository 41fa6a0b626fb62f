import type { ServerResponse } from 'node:http';

/**
 * An ARM error: `{"error": {"code", "message"}}` with its HTTP status, as Azure Resource Manager answers
 * (https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors); the
 * official clients surface it as a RestError with `statusCode` and `code`.
 */
export class ArmError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export const resourceNotFound = (type: string, name: string, group: string): ArmError =>
  new ArmError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
export const groupNotFound = (group: string): ArmError =>
  new ArmError(404, 'ResourceGroupNotFound', `Resource group '${group}' could not be found.`);
export const invalidContent = (message: string): ArmError => new ArmError(400, 'InvalidRequestContent', message);

export function sendArmError(res: ServerResponse, err: ArmError): void {
  const body = JSON.stringify({ error: { code: err.code, message: err.message } });
  res.writeHead(err.status, { ...err.headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-ms-failure-cause': 'gateway' });
  res.end(body);
}
