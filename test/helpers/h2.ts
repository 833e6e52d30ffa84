// Test helpers for cti's own HTTP/2 client (src/cli/rpc/h2/): one exchange
// on an H2Connection, collected; and a node:http2 server on port 0.

import { createServer, type Http2Server, type ServerHttp2Stream, type ServerOptions } from 'node:http2';
import type { StreamEnd } from '../../src/cli/rpc/h2/client-stream.js';
import type { H2Connection } from '../../src/cli/rpc/h2/connection.js';
import type { HeaderRecord } from '../../src/cli/rpc/h2/header-record.js';

export interface Exchange {
  blocks: HeaderRecord[];
  body: Buffer;
  end: StreamEnd;
}

/** A POST of `body` to `path`; resolves with what came back once the stream has ended. */
export function exchange(connection: H2Connection, path = '/', body: Buffer = Buffer.alloc(0), extra: [string, string][] = []): Promise<Exchange> {
  return new Promise((resolve) => {
    const blocks: HeaderRecord[] = [];
    const chunks: Buffer[] = [];
    const stream = connection.request([[':method', 'POST'], [':path', path], ...extra], {
      headers: (block) => blocks.push(block),
      data: (chunk) => chunks.push(chunk),
      close: (end) => resolve({ blocks, body: Buffer.concat(chunks), end }),
    });
    stream.end(body);
  });
}

/** A node:http2 server whose every stream `answer` handles. */
export async function h2Server(answer: (stream: ServerHttp2Stream) => void, options: ServerOptions = {}): Promise<{ server: Http2Server; address: string }> {
  const server = createServer(options);
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    answer(stream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, address: `127.0.0.1:${(server.address() as { port: number }).port}` };
}
