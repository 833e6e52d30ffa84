// Real mail clients against a test ctid: `swaks` submits (AUTH PLAIN over
// loopback), `curl` fetches by POP3. What they return is what a person
// using them sees: the server's replies, the messages.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ctiAs, runCti, USERS } from './ctid.js';

export interface Sent {
  code: number | null;
  /** The server's replies (`<-` lines of swaks' transcript), one string. */
  replies: string;
}

export interface SendOptions {
  /** Who authenticates (default bob); `auth: false` sends without AUTH. */
  user?: keyof typeof USERS;
  auth?: boolean;
  to?: string;
  from?: string;
  headers?: string[];
  /** Attachments: a file and its content type (swaks --attach). */
  attach?: { file: string; type: string; name?: string }[];
}

/** swaks to carol@a.example (or `to`) on `server`, as `user` unless `auth` is false; the body's lines as given. */
export function sendMail(server: string, body: string[], opts: SendOptions = {}, extraArgs: string[] = []): Promise<Sent> {
  const user = USERS[opts.user ?? 'bob'];
  const args = ['--server', server, '--to', opts.to ?? 'carol@a.example', '--from', opts.from ?? `${user.name}@a.example`, '--body', body.join('\n'), '--header', 'Subject: a request'];
  if (opts.auth !== false) args.push('--auth', 'PLAIN', '--auth-user', user.name, '--auth-password', user.token);
  for (const h of opts.headers ?? []) args.push('--header', h);
  for (const a of opts.attach ?? []) args.push('--attach-type', a.type, ...(a.name ? ['--attach-name', a.name] : []), '--attach', `@${a.file}`);
  args.push(...extraArgs);
  return new Promise((resolve) => {
    execFile('swaks', args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const replies = `${stdout}${stderr}`
        .split('\n')
        .filter((l) => /^\s*<[-~*]/.test(l))
        .join('\n');
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, replies });
    });
  });
}

/** The request id a 250 reply names (`accepted as request a-...`). */
export const requestIdOf = (sent: Sent): string | undefined => /accepted as request (\S+)/.exec(sent.replies)?.[1];

/** `curl pop3://SERVER/PATH` as `user` (path `/` lists, `/N` retrieves message N). */
export function curlPop3(server: string, path: string, user: keyof typeof USERS, extra: string[] = [], token: string = USERS[user].token): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile('curl', ['-s', '--max-time', '20', `pop3://${server}${path}`, '-u', `${USERS[user].name}:${token}`, ...extra], { encoding: 'utf8' }, (err, stdout) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout }),
    ),
  );
}

export interface Attachment {
  file: string;
  type: string;
  name: string;
}

/** A voice part (greeting.wav) and a FAX part (`fax`, default memo.pdf) written in `dir`, for scenarios that play and fax. */
export function mediaAttachments(dir: string, fax: { name: string; type: string } = { name: 'memo.pdf', type: 'application/pdf' }): { voice: Attachment; fax: Attachment } {
  const voice = { file: join(dir, 'greeting.wav'), type: 'audio/wav', name: 'greeting.wav' };
  writeFileSync(voice.file, Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(2000, 7)]));
  const document = { file: join(dir, fax.name), ...fax };
  writeFileSync(document.file, Buffer.concat([Buffer.from(fax.name.endsWith('.pdf') ? '%PDF-1.4\n' : 'II*\0'), Buffer.alloc(1500, 32)]));
  return { voice, fax: document };
}

/** A request as `cti requests --json` lists it: the fields mail tests read. */
export interface ListedRequest {
  id: string;
  state: string;
  destination: string;
  reason?: string;
  message?: string;
  history: { state: string; detail: string }[];
}

/** `user`'s requests at `address`, as `cti requests --json` lists them. */
export async function listedRequests(address: string, user: keyof typeof USERS): Promise<ListedRequest[]> {
  const listed = await runCti(['requests', '--json'], ctiAs(address, user));
  return listed.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ListedRequest);
}
