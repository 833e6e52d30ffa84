// gRPC health checking and server reflection on ctid's port (interfaces.md
// "ctid"; issue 4, "API"), read with standard clients: grpc.health.v1 says
// SERVING while the switch link is up and NOT_SERVING while it is down
// (`switch-sim link a down`), and a reflection client lists the cti.v1
// service. The simulator runs as its own process so its link can be pulled.

import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cstaSwitch, startCtid, startSwitchSim, untilCtidLink, type TestCtid, type TestSwitchSim } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { killAll } from '../helpers/processes.js';

const CTI_SERVICE = 'cti.v1.CtiService';
const HEALTH_SERVICE = 'grpc.health.v1.Health';
const DEADLINE_MS = 5000;

let sim: TestSwitchSim;
let ctid: TestCtid;
const clients: grpc.Client[] = [];

test.after(async () => {
  clients.forEach((client) => client.close());
  await killAll();
});

type Unary<Req, Res> = (request: Req, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, response?: Res) => void) => grpc.ClientUnaryCall;

interface HealthClient extends grpc.Client {
  check: Unary<{ service: string }, { status: string }>;
  watch(request: { service: string }): grpc.ClientReadableStream<{ status: string }>;
}

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

interface ReflectionClient extends grpc.Client {
  serverReflectionInfo(): grpc.ClientDuplexStream<Record<string, unknown>, ReflectionResponse>;
}

type Constructor<T> = new (address: string, credentials: grpc.ChannelCredentials) => T;

/** A client of `service` (package.Service) from a .proto file, as any gRPC client would build it. */
function clientFor<T extends grpc.Client>(protoFile: string, service: string): T {
  const definition = grpc.loadPackageDefinition(loadSync(protoFile, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true }));
  const Client = service.split('.').reduce<unknown>((o, key) => (o as Record<string, unknown>)[key], definition) as Constructor<T>;
  const client = new Client(ctid.address, grpc.credentials.createInsecure());
  clients.push(client);
  return client;
}

function check(client: HealthClient, service: string): Promise<string> {
  return new Promise((resolve, reject) =>
    client.check({ service }, { deadline: Date.now() + DEADLINE_MS }, (err, response) => (err ? reject(err) : resolve(response!.status))),
  );
}

/** Both the server as a whole ("") and cti.v1.CtiService. */
async function statuses(client: HealthClient): Promise<string[]> {
  return Promise.all(['', CTI_SERVICE].map((service) => check(client, service)));
}

/** One request on a reflection stream, and its one response. */
function reflect(client: ReflectionClient, request: Record<string, unknown>): Promise<ReflectionResponse> {
  return new Promise((resolve, reject) => {
    const call = client.serverReflectionInfo();
    const timer = setTimeout(() => {
      call.cancel();
      reject(new Error(`no reflection answer within ${DEADLINE_MS} ms`));
    }, DEADLINE_MS);
    call.once('data', (response: ReflectionResponse) => {
      clearTimeout(timer);
      call.end();
      resolve(response);
    });
    call.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    call.write({ host: '', ...request });
  });
}

const reflectionProto = (version: 'v1' | 'v1alpha') =>
  join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection')), `../proto/grpc/reflection/${version}/reflection.proto`);

test('a simulator of its own, and ctid on csta:// with its link up', async () => {
  sim = await startSwitchSim();
  ctid = await startCtid({ config: cstaSwitch(sim) });
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up');
});

test('health: SERVING while the link is up, NOT_SERVING while it is down, SERVING again after', async () => {
  const health = clientFor<HealthClient>(healthProtoPath, HEALTH_SERVICE);
  const seen: string[] = [];
  const watch = health.watch({ service: '' });
  watch.on('data', ({ status }: { status: string }) => seen.push(status));
  watch.on('error', () => {}); // cancelled at the end

  assert.equal(await statuses(health), ['SERVING', 'SERVING']);
  await sim.cli.link('a', 'down');
  await eventually('NOT_SERVING', () => statuses(health), (s) => s.every((x) => x === 'NOT_SERVING'));
  await sim.cli.link('a', 'up');
  await eventually('SERVING again', () => statuses(health), (s) => s.every((x) => x === 'SERVING'));

  // The Watch stream said the same, in order: the current status first, then each change.
  await eventually('the watch stream saw it all', async () => seen.filter((s, i) => s !== seen[i - 1]), (s) => s.join() === 'SERVING,NOT_SERVING,SERVING');
  watch.cancel();
  // An unknown service is NOT_FOUND, as the protocol says.
  const unknown = await check(health, 'no.such.Service').catch((err: grpc.ServiceError) => err);
  assert.is((unknown as grpc.ServiceError).code, grpc.status.NOT_FOUND);
});

for (const version of ['v1alpha', 'v1'] as const) {
  test(`reflection (grpc.reflection.${version}): lists cti.v1.CtiService and health, and describes cti.v1`, async () => {
    const reflection = clientFor<ReflectionClient>(reflectionProto(version), `grpc.reflection.${version}.ServerReflection`);
    const listed = await reflect(reflection, { listServices: '' });
    const names = (listed.listServicesResponse?.service ?? []).map((s) => s.name);
    assert.ok(names.includes(CTI_SERVICE), `services: ${names.join(', ')}`);
    assert.ok(names.includes(HEALTH_SERVICE), `services: ${names.join(', ')}`);

    const described = await reflect(reflection, { fileContainingSymbol: CTI_SERVICE });
    const files = described.fileDescriptorResponse?.fileDescriptorProto ?? [];
    assert.ok(files.length > 0, `no file descriptor: ${JSON.stringify(described)}`);
    const text = Buffer.concat(files).toString('latin1');
    assert.ok(text.includes('cti.v1') && text.includes('CtiService') && text.includes('Submit'), 'the descriptor holds package cti.v1, its service and methods');
  });
}

test('SIGTERM: ctid and the simulator shut down cleanly', async () => {
  clients.splice(0).forEach((client) => client.close());
  assert.equal(await ctid.stop(), { code: 0, signal: null }, ctid.process.stderr);
  assert.equal(await sim.stop(), { code: 0, signal: null }, sim.process.stderr);
});

test.run();
