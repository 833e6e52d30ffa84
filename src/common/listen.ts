// Binds a server to `HOST:PORT` (port 0 = any free port) and says where it
// listens, so readiness lines can show the port picked.

import type { Server } from 'node:net';

export function splitHostPort(hostPort: string): { host: string; port: number } {
  const at = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(hostPort.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`"${hostPort}" is not HOST:PORT`);
  return { host, port };
}

export function listenOn(server: Server, hostPort: string): Promise<string> {
  const { host, port } = splitHostPort(hostPort);
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`cannot listen on ${hostPort}: ${err.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve(`${host.includes(':') ? `[${host}]` : host}:${actual}`);
    });
  });
}
