// HOST:PORT addresses: parsed and printed one way everywhere (ctid --listen,
// switch-sim --control, CSTA listeners), and bound so that port 0 means
// "any free port" and the caller learns the port picked (readiness lines).

import type { Server } from 'node:net';

/** `127.0.0.1:50051`, `localhost:0`, `[::1]:7200`; throws RangeError with a sentence otherwise. */
export function parseHostPort(text: string, opts: { allowPortZero?: boolean } = {}): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/[\]@?#]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535 || (port === 0 && !opts.allowPortZero)) throw new RangeError(`"${text}" is not an address: give HOST:PORT, e.g. 127.0.0.1:50051`);
  return { host: match[1] ?? match[2]!, port };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function listenOn(server: Server, hostPort: string): Promise<string> {
  const { host, port } = parseHostPort(hostPort, { allowPortZero: true });
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`cannot listen on ${hostPort}: ${err.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(formatHostPort(host, typeof address === 'object' && address ? address.port : port));
    });
  });
}

/** Whether HOST:PORT names this machine only (127.x, ::1, localhost): nobody else can listen in. */
export function isLoopback(hostPort: string): boolean {
  try {
    const { host } = parseHostPort(hostPort, { allowPortZero: true });
    return host === 'localhost' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}
