import type { Readable } from 'node:stream';
import type { WorkloadProcess } from '../contracts/backend';

/** All a stream produces, as UTF-8 text; '' for an absent stream. */
export async function readAll(stream: Readable | null | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Output and exit of a workload process, read concurrently so neither pipe can fill up. */
export async function finishProcess(p: WorkloadProcess): Promise<{ out: string; err: string; exitCode: number; signal?: string }> {
  const [out, err, st] = await Promise.all([readAll(p.stdout), readAll(p.stderr), p.exited]);
  return { out, err, exitCode: st.exitCode, signal: st.signal };
}

/** Resolves once `text` has appeared in what `stream` produced, gathered in `sink` (pass it again to keep gathering); rejects if it ends first. */
export function waitForText(stream: Readable, text: string, sink: { data: string } = { data: '' }): Promise<void> {
  return new Promise((resolve, reject) => {
    const on = (c: Buffer) => { sink.data += c.toString(); if (sink.data.includes(text)) { stream.off('data', on); resolve(); } };
    stream.on('data', on);
    stream.once('end', () => { if (!sink.data.includes(text)) reject(new Error(`stream ended before "${text}": ${sink.data}`)); });
  });
}
