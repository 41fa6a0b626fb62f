/** One file field of a multipart/form-data body (what `POST /jobs/:id/artifacts` receives), or undefined. */
export function parseMultipartFile(contentType: string | undefined, body: Buffer, field: string): { filename: string; data: Buffer } | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  if (!m) return undefined;
  const delimiter = Buffer.from(`--${m[1] ?? m[2]}`);
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length + 2; // past the CRLF after the delimiter
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next - 2); // without the CRLF before the next delimiter
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      if (name === field) return { filename: /filename="([^"]*)"/i.exec(headers)?.[1] ?? '', data: part.subarray(headerEnd + 4) };
    }
    at = next;
  }
  return undefined;
}
