// The gRPC adapter itself (src/daemon/grpc), through a plain grpc-js client:
// authentication, errors as status codes with the reason in trailing
// metadata, RFC 3339 times, the message size cap, health checking,
// reflection, and a bounded shutdown that ends our streams first.

import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { credentials, loadPackageDefinition, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { load } from '@grpc/proto-loader';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CtiError } from '../../src/daemon/core/errors.js';
import { startGrpcServer, type RunningGrpcServer } from '../../src/daemon/grpc/server.js';
import { CtiServiceDefinition, type Request, type RequestUpdate, type SubmitRequest } from '../../src/gen/cti/v1/cti.js';
import { grpcJsClient, type ClientOf } from '../../src/rpc/grpc-js-service.js';
import { eventually } from '../helpers/eventually.js';
import { rejectionOf } from '../helpers/rejection.js';
import { FakeCore, TOKENS } from './fake-core.js';

const core = new FakeCore();
const logged: { event: string; fields?: Record<string, unknown> }[] = [];
let server: RunningGrpcServer;
const CtiServiceClient = grpcJsClient(CtiServiceDefinition);
let client: ClientOf<CtiServiceDefinition>;

test.after(async () => {
  client?.close();
  await server?.close(100);
});

const auth = (token: string = TOKENS.bob): Metadata => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
};

const SUBMIT: SubmitRequest = { kind: 'camp-on', destination: '2000', source: '', campOn: false, windowMs: 0, strategy: '', retryEveryMs: 0, recallFirst: false, network: '', idempotencyKey: '', place: '', display: '' };

function submit(request: Partial<SubmitRequest>, metadata = auth()): Promise<Request> {
  return new Promise((resolve, reject) => client.submit({ ...SUBMIT, ...request }, metadata, (err, value) => (err ? reject(err) : resolve(value))));
}

const refusal = async (promise: Promise<unknown>): Promise<ServiceError> => (await rejectionOf(promise)) as ServiceError;

test('starts on a free port', async () => {
  server = await startGrpcServer(core, { listen: '127.0.0.1:0', logger: (event, fields) => logged.push({ event, fields }) });
  client = new CtiServiceClient(server.address, credentials.createInsecure());
});

test('every call needs a known Bearer token (UNAUTHENTICATED)', async () => {
  const basic = new Metadata();
  basic.set('authorization', `Basic ${TOKENS.bob}`);
  for (const metadata of [new Metadata(), auth('wrong'), basic]) {
    assert.is((await refusal(submit({}, metadata))).code, status.UNAUTHENTICATED);
  }
});

test('requests travel with RFC 3339 times and the words of interfaces.md', async () => {
  const request = await submit({ windowMs: 60_000 });
  assert.is(request.state, 'accepted');
  assert.match(request.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.is(Date.parse(request.deadline) - Date.parse(request.createdAt), 60_000);
  assert.is(request.endedAt, '');
  assert.equal(request.history.map((h) => h.state), ['accepted']);
});

test('core errors become status codes; the reason rides in trailing metadata cti-reason', async () => {
  core.failNextSubmit = new CtiError('resource-exhausted', 'you have 5 pending requests', 'limit');
  const limit = await refusal(submit({}));
  assert.is(limit.code, status.RESOURCE_EXHAUSTED);
  assert.is(limit.details, 'you have 5 pending requests');
  assert.equal(limit.metadata.get('cti-reason'), ['limit']);
  assert.is((await refusal(submit({ source: '2002' }))).code, status.PERMISSION_DENIED);
  assert.is((await refusal(submit({ kind: 'teleport' }))).code, status.INVALID_ARGUMENT);
  assert.is((await refusal(submit({ windowMs: -5 }))).code, status.INVALID_ARGUMENT);
  assert.is((await refusal(submit({ strategy: 'hope' }))).code, status.INVALID_ARGUMENT);
});

test('anything else is INTERNAL with a generic message; the cause is logged', async () => {
  core.failNextSubmit = new Error('disk full at /var/lib/ctid', { cause: new Error('ENOSPC') });
  const err = await refusal(submit({}));
  assert.is(err.code, status.INTERNAL);
  assert.not.match(err.details, /disk|ENOSPC/);
  const entry = logged.find((l) => l.event === 'grpc-internal-error');
  assert.match(String(entry?.fields?.error), /disk full/);
  assert.match(String(entry?.fields?.cause), /ENOSPC/);
});

test('messages over the size cap are refused', async () => {
  const err = await refusal(submit({ destination: '1'.repeat(300 * 1024) }));
  assert.is(err.code, status.RESOURCE_EXHAUSTED);
});

test('a cancelled watch unsubscribes from the core', async () => {
  const before = core.subscriptions;
  const stream = client.watchRequests({ id: '', all: false }, auth());
  stream.on('error', () => {});
  await new Promise((resolve) => stream.once('data', resolve));
  assert.is(core.subscriptions, before + 1);
  stream.cancel();
  await eventually('unsubscribed', async () => core.subscriptions, (n) => n === before);
});

const packageDir = (name: string) => dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));

async function serviceClient(protoFile: string, service: string[]): Promise<Client & Record<string, Function>> {
  const definition = loadPackageDefinition(await load(protoFile, { enums: String }));
  const Ctor = service.reduce<any>((node, part) => node[part], definition);
  return new Ctor(server.address, credentials.createInsecure());
}

test('health: NOT_SERVING until the daemon says otherwise, for the server and cti.v1.CtiService', async () => {
  const health = await serviceClient(join(packageDir('grpc-health-check'), 'proto/health/v1/health.proto'), ['grpc', 'health', 'v1', 'Health']);
  const check = (service: string) =>
    new Promise<string>((resolve, reject) => health.check({ service }, (err: Error | null, res: { status: string }) => (err ? reject(err) : resolve(res.status))));
  assert.is(await check(''), 'NOT_SERVING');
  server.setServing(true);
  assert.is(await check(''), 'SERVING');
  assert.is(await check('cti.v1.CtiService'), 'SERVING');
  health.close();
});

test('reflection lists the services and describes cti.v1', async () => {
  const reflection = await serviceClient(join(packageDir('@grpc/reflection'), 'build/proto/grpc/reflection/v1/reflection.proto'), ['grpc', 'reflection', 'v1', 'ServerReflection']);
  const ask = (request: object) =>
    new Promise<any>((resolve, reject) => {
      const call = reflection.serverReflectionInfo();
      call.on('data', (res: unknown) => {
        resolve(res);
        call.end();
      });
      call.on('error', reject);
      call.write(request);
    });
  const listed = await ask({ listServices: '' });
  const names = listed.listServicesResponse.service.map((s: { name: string }) => s.name);
  assert.ok(names.includes('cti.v1.CtiService'), names.join(', '));
  assert.ok(names.includes('grpc.health.v1.Health'), names.join(', '));
  const described = await ask({ fileContainingSymbol: 'cti.v1.CtiService' });
  assert.ok(described.fileDescriptorResponse.fileDescriptorProto.length > 0);
  reflection.close();
});

test('close: our streams end with UNAVAILABLE first, within the grace period, and it is idempotent', async () => {
  const stream = client.watchRequests({ id: '', all: false }, auth());
  const ended = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
  stream.on('data', (_: RequestUpdate) => {});
  await eventually('subscribed', async () => core.subscriptions, (n) => n > 0);
  const started = Date.now();
  const closing = server.close(2000);
  assert.is(server.close(), closing, 'one close');
  const err = await ended;
  assert.is(err.code, status.UNAVAILABLE);
  assert.is(err.details, 'ctid is shutting down');
  await closing;
  assert.ok(Date.now() - started < 2000, `closed in ${Date.now() - started} ms`);
  assert.is(core.subscriptions, 0);
});

test.run();
