// The tree shows the architecture (style.md section 1): the core talks to
// ports, never to an adapter, a transport or a UI; one-shot CLI commands
// never load Ink, and the CLI never loads grpc-js or node:http2. This test
// fails when an import crosses those lines.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
}

const CORE_FORBIDDEN = [/^@grpc\//, /^lowdb/, /^node:net$/, /^net$/, /^ink/, /^react/, /^fast-xml-parser/, /^pino/, /\/grpc\//, /\/store\//, /\/switch\//, /\/csta\//, /switch-sim/];

test('the daemon core imports no adapter, transport, store or UI', () => {
  const offenders: string[] = [];
  for (const file of sources(join(root, 'src/daemon/core'))) {
    for (const spec of imports(file)) if (CORE_FORBIDDEN.some((re) => re.test(spec))) offenders.push(`${relative(root, file)} imports ${spec}`);
  }
  assert.equal(offenders, []);
});

test('the simulator and the daemon share the CSTA codec from src/csta, and the codec knows neither', () => {
  const offenders: string[] = [];
  for (const file of sources(join(root, 'src/csta'))) {
    for (const spec of imports(file)) if (/switch-sim|daemon|cli/.test(spec)) offenders.push(`${relative(root, file)} imports ${spec}`);
  }
  assert.equal(offenders, []);
});

test('the CLI never imports grpc-js or node:http2 (start-up time: src/cli/rpc speaks gRPC over its own HTTP/2 on node:net)', () => {
  const offenders: string[] = [];
  for (const file of sources(join(root, 'src/cli'))) {
    for (const spec of imports(file)) if (/^@grpc\//.test(spec) || /rpc\/grpc-js/.test(spec) || /^(node:)?http2$/.test(spec)) offenders.push(`${relative(root, file)} imports ${spec}`);
  }
  assert.equal(offenders, []);
});

test('one-shot CLI code never imports ink statically', () => {
  const offenders: string[] = [];
  for (const file of sources(join(root, 'src/cli'))) {
    if (file.includes(`${join('src', 'cli', 'dashboard')}`)) continue;
    const text = readFileSync(file, 'utf8');
    if (/from\s+['"](ink|react)['"]/.test(text)) offenders.push(relative(root, file));
  }
  assert.equal(offenders, []);
});

test.run();
