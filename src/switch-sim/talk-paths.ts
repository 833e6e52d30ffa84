// Who hears whom. Every call is a conference bus: its connected, active
// connections hear each other. A trunk joins the buses of the two legs of a
// call across the public network; a voice-board bridge joins the buses of
// two ports' calls. Held connections are on no bus (music on hold); silent
// participants hear their bus without being heard. Groups are the connected
// components of that graph, listed by their real devices.

import type { TalkPath } from './control.js';
import type { Connection } from './call.js';
import type { Exchange } from './exchange.js';

class UnionFind {
  private readonly parent = new Map<string, string>();

  find(x: string): string {
    let root = x;
    for (let p = this.parent.get(root); p !== undefined && p !== root; p = this.parent.get(root)) root = p;
    this.parent.set(x, root);
    return root;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

/** A graph node: a device by its name, a trunk connection by its call. */
function node(exchange: Exchange, c: Connection): string {
  return c.device ? c.device.name : `${exchange.id}#${c.call.id}#${c.deviceId}`;
}

export function talkPaths(exchanges: Iterable<Exchange>, bridges: Iterable<[string, string]>): TalkPath[] {
  const uf = new UnionFind();
  const talkers = new Set<string>();
  const listeners: { name: string; bus: string }[] = [];
  const trunkPairs: [string, string][] = [];
  const all = [...exchanges];
  const exchangeOf = new Map(all.map((e) => [e.id, e]));

  for (const exchange of all) {
    for (const call of exchange.calls.values()) {
      for (const c of call.connections) {
        if (!c.talking) continue;
        const n = node(exchange, c);
        if (c.participation === 'silent') {
          listeners.push({ name: n, bus: `bus:${exchange.id}#${call.id}` });
          continue;
        }
        uf.union(n, `bus:${exchange.id}#${call.id}`);
        if (c.device) talkers.add(n);
        if (c.peer?.talking) trunkPairs.push([n, node(exchangeOf.get(c.peer.call.exchange)!, c.peer)]);
      }
    }
  }
  for (const [a, b] of trunkPairs) uf.union(a, b);
  for (const [a, b] of bridges) if (talkers.has(a) && talkers.has(b)) uf.union(a, b);

  const groups = new Map<string, TalkPath>();
  for (const name of talkers) {
    const root = uf.find(name);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = { devices: [] }));
    g.devices.push(name);
  }
  for (const l of listeners) {
    const g = groups.get(uf.find(l.bus));
    if (g) (g.listeners ??= []).push(l.name);
  }
  return [...groups.values()]
    .filter((g) => g.devices.length >= 2)
    .map((g) => ({ ...g, devices: g.devices.sort() }))
    .sort((a, b) => a.devices[0]!.localeCompare(b.devices[0]!));
}
