/** Credit-based flow control of the agent's multiplexed streams, over an in-memory link. */
import { randomBytes } from 'node:crypto';
import { InboundStream, OutboundStream, type FrameLink } from '../src/flow';
import { decodeFrame, WINDOW_BYTES, type StreamMessage } from '../src/protocol';

function linked(): { out: OutboundStream; inbound: InboundStream; sent: () => number } {
  let sentBytes = 0;
  let inbound!: InboundStream;
  // Asynchronous delivery both ways, as over a socket.
  const link: FrameLink = {
    sendFrame(frame) { const f = decodeFrame(frame)!; sentBytes += f.payload.length; setImmediate(() => inbound.deliver(f.payload)); },
    sendControl(msg: StreamMessage) { if (msg.t === 'eof') setImmediate(() => inbound.finish()); },
  };
  const out = new OutboundStream(link, 7, 1);
  inbound = new InboundStream((n) => setImmediate(() => out.grant(n)));
  return { out, inbound, sent: () => sentBytes };
}

async function settled(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

test('a writer stops at the window while nobody reads, and goes on as the reader consumes', async () => {
  const { out, inbound, sent } = linked();
  const data = randomBytes(3 * WINDOW_BYTES + 12345);
  let written = false;
  const writing = out.write(data).then(() => { written = true; out.end(); });
  await settled();
  expect(sent()).toBe(WINDOW_BYTES);
  expect(written).toBe(false);
  const chunks: Buffer[] = [];
  for await (const c of inbound) chunks.push(c as Buffer);
  await writing;
  expect(Buffer.concat(chunks).equals(data)).toBe(true);
});

test('a reader that goes away never leaves the writer stuck', async () => {
  const { out, inbound } = linked();
  inbound.destroy();
  await out.write(randomBytes(4 * WINDOW_BYTES));
  out.end();
});

test('a stopped writer drops what it is given', async () => {
  const { out, sent } = linked();
  out.stop();
  await out.write(randomBytes(1000));
  expect(sent()).toBe(0);
});
