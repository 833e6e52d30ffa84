// The one table from errors to exit statuses (interfaces.md "Exit status").

import { Metadata, status } from '@grpc/grpc-js';
import { CommanderError } from 'commander';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CliError } from '../../src/cli/errors.js';
import { exitForResult, failureOf, GRPC } from '../../src/cli/exit-codes.js';

const SERVER = '127.0.0.1:50051';

function grpcError(code: number, details: string, reason?: string) {
  const metadata = new Metadata();
  if (reason) metadata.set('cti-reason', reason);
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata });
}

test('the local gRPC code names are grpc-js\'s', () => {
  for (const [name, code] of Object.entries(GRPC)) assert.is(code, status[name as keyof typeof status], name);
});

test('gRPC status codes', () => {
  const cases: [number, number][] = [
    [status.NOT_FOUND, 1],
    [status.RESOURCE_EXHAUSTED, 1],
    [status.FAILED_PRECONDITION, 1],
    [status.ALREADY_EXISTS, 1],
    [status.INTERNAL, 1],
    [status.INVALID_ARGUMENT, 2],
    [status.UNAVAILABLE, 3],
    [status.DEADLINE_EXCEEDED, 3],
    [status.UNAUTHENTICATED, 4],
    [status.PERMISSION_DENIED, 4],
  ];
  for (const [code, exit] of cases) assert.is(failureOf(grpcError(code, 'x'), SERVER).exitCode, exit, status[code]);
});

test('a barred destination is "not allowed" (4) whatever the code; the reason is named', () => {
  const refused = failureOf(grpcError(status.FAILED_PRECONDITION, 'dial policy forbids 0990', 'barred'), SERVER);
  assert.is(refused.exitCode, 4);
  assert.is(refused.message, 'dial policy forbids 0990 (barred)');
  assert.is(failureOf(grpcError(status.RESOURCE_EXHAUSTED, 'too many pending requests', 'limit'), SERVER).message, 'too many pending requests (limit)');
});

test('results: succeeded 0, failed or cancelled 1, barred 4', () => {
  assert.is(exitForResult('succeeded', ''), 0);
  assert.is(exitForResult('failed', 'busy'), 1);
  assert.is(exitForResult('cancelled', 'cancelled'), 1);
  assert.is(exitForResult('failed', 'barred'), 4);
  assert.equal(failureOf(new CliError('request-ended', 'x', { reason: 'timeout' }), SERVER), { exitCode: 1 }, 'printed already');
});

test('the CLI\'s own failures', () => {
  assert.is(failureOf(new CliError('usage', 'bad'), SERVER).exitCode, 2);
  assert.is(failureOf(new CliError('no-token', 'no token'), SERVER).exitCode, 4);
  assert.is(failureOf(new CliError('unreachable', 'cannot reach'), SERVER).exitCode, 3);
  assert.equal(failureOf(new CliError('interrupted', 'x', { signal: 'SIGINT' }), SERVER), { exitCode: 130 });
  assert.equal(failureOf(new CliError('interrupted', 'x', { signal: 'SIGTERM' }), SERVER), { exitCode: 143 });
});

test('commander: usage errors 2 (its own message printed), help and version 0', () => {
  assert.equal(failureOf(new CommanderError(1, 'commander.unknownOption', 'x'), SERVER), { exitCode: 2 });
  assert.equal(failureOf(new CommanderError(1, 'commander.help', 'x'), SERVER), { exitCode: 2 }, 'cti with no command');
  assert.equal(failureOf(new CommanderError(0, 'commander.helpDisplayed', 'x'), SERVER), { exitCode: 0 });
  assert.equal(failureOf(new CommanderError(0, 'commander.version', 'x'), SERVER), { exitCode: 0 });
});

test('anything else is a failure with a sentence, never a stack trace', () => {
  const f = failureOf(new TypeError('boom'), SERVER);
  assert.is(f.exitCode, 1);
  assert.is(f.message, 'internal error: boom');
});

test.run();
