// The dashboard screen (interfaces.md "cti dashboard keys"; style.md 13):
// panes labelled Lines, Prompts, Requests, Transfers and peers, one
// focused (marked ▶, not by colour alone), a header with the office, the
// user, the switch link and ctid's reachability, and a footer with the last
// action's result in words. It reads the model through the store (redrawn at
// most once a frame) and sends actions through `actions`; it never talks to
// ctid itself, so it is tested with ink-testing-library frame by frame.

import { Box, Text, useApp, useInput, useStdout, type Key } from 'ink';
import { useEffect, useState, useSyncExternalStore, type ReactElement } from 'react';
import type { Prompt, Request, SubmitRequest, Transfer } from '../../gen/cti/v1/cti.js';
import { erased, FORM_TITLES, isComplete, newForm, requestOf, transferEntry, typed } from './forms.js';
import type { DashboardModel, FormKind } from './model.js';
import { lineLine, lineTone, peerTone, peerWord, promptLine, requestLine, requestTone, transferLine, type Tone } from './rows.js';
import type { DashboardStore } from './store.js';

export interface DashboardActions {
  submit(request: SubmitRequest): Promise<Request>;
  cancel(id: string): Promise<Request>;
  answer(id: string, accept: boolean): Promise<Prompt>;
  setTransfer(extension: string, destinations: string[], confirm: boolean): Promise<Transfer>;
  /** Called when the user quits (q, Ctrl-C), after Ink let go of the terminal. */
  quit(): void;
}

export interface DashboardProps {
  store: DashboardStore;
  actions: DashboardActions;
  /** Colours as hints (false under NO_COLOR). */
  color: boolean;
  now?: () => number;
}

const FORM_KEYS: Record<string, FormKind> = { c: 'camp-on', n: 'call', J: 'join', B: 'barge-in', t: 'transfer' };

const TONE_COLOR: Record<Tone, string | undefined> = { good: 'green', bad: 'red', busy: 'yellow', quiet: 'gray', plain: undefined };

export function Dashboard({ store, actions, color, now = Date.now }: DashboardProps) {
  useSyncExternalStore(store.subscribe, store.snapshot);
  const m = store.model;
  const { exit } = useApp();
  const size = useTerminalSize();
  const [, setTick] = useState(0);
  useEffect(() => {
    // Times left and durations move on even when nothing else happens.
    const timer = setInterval(() => setTick((t) => t + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  useBell(m.bells);

  const change = (fn: (model: DashboardModel) => void) => {
    store.update(fn);
    store.flush();
  };
  const report = (promise: Promise<string>) =>
    void promise.then(
      (text) => change((model) => model.say(text)),
      (err: { details?: string; message?: string }) => change((model) => model.say(`${err.details || err.message || String(err)}`, true)),
    );

  useInput((input, key) => {
    // Keys typed fast or pasted arrive as one chunk ("2000\r"): take them one by one.
    if (input.length > 1 && /[\r\n]/.test(input)) {
      for (const part of input.split(/(\r\n|\r|\n)/)) {
        if (/^[\r\n]+$/.test(part)) onKey('', { ...key, return: true });
        else if (part) onKey(part, key);
      }
      return;
    }
    onKey(input, key);
  });

  function onKey(input: string, key: Key) {
    if (m.form) return formKey(input, key);
    if (m.filtering) return filterKey(input, key);
    if (m.help) {
      if (key.escape || input === '?' || input === 'q') change((model) => void (model.help = false));
      return;
    }
    if (input === 'q' || (key.ctrl && input === 'c')) {
      exit();
      actions.quit();
      return;
    }
    if (input === '?') return change((model) => void (model.help = true));
    if (key.tab) return change((model) => model.cycleFocus(key.shift ? -1 : 1));
    if (input === 'j' || key.downArrow) return change((model) => model.move(1));
    if (input === 'k' || key.upArrow) return change((model) => model.move(-1));
    if (input === '/') return change((model) => ((model.filtering = true), (model.focus = 'requests')));
    const formKind = FORM_KEYS[input];
    if (formKind) return change((model) => void (model.form = newForm(formKind, model.extensions[0] ?? '')));
    if (input === 'x') {
      const r = m.selectedRequest();
      if (!r) return change((model) => model.say('no request selected', true));
      return report(actions.cancel(r.id).then((done) => `cancelled ${done.kind} ${done.destination} (${done.state})`));
    }
    if (input === 'a' || input === 'r') {
      const p = m.selectedPrompt();
      if (!p) return change((model) => model.say('no prompt to answer', true));
      const accept = input === 'a';
      return report(actions.answer(p.id, accept).then((done) => `${done.state}: ${done.kind} ${done.extension} from ${done.from}`));
    }
  }

  function filterKey(input: string, key: Key) {
    if (key.escape) return change((model) => ((model.filtering = false), model.setFilter('')));
    if (key.return) return change((model) => void (model.filtering = false));
    if (key.backspace || key.delete) return change((model) => model.setFilter(model.filter.slice(0, -1)));
    if (input) change((model) => model.setFilter(model.filter + input));
  }

  function formKey(input: string, key: Key) {
    const form = m.form!;
    if (form.sending) return;
    if (key.escape) return change((model) => void (model.form = undefined));
    const last = form.fields.length - 1;
    if (key.tab || key.downArrow || key.upArrow || (key.return && form.field < last)) {
      const by = key.upArrow || (key.tab && key.shift) ? -1 : 1;
      return change((model) => void (model.form = { ...form, field: (form.field + by + form.fields.length) % form.fields.length }));
    }
    if (key.return) return send();
    if (key.backspace || key.delete) return change((model) => void (model.form = erased(form)));
    if (input && !key.tab) change((model) => void (model.form = typed(form, input)));
  }

  function send() {
    const form = m.form!;
    if (!isComplete(form)) {
      const bad = form.fields.find((f) => f.error)!;
      return change((model) => model.say(`${bad.label}: ${bad.error}`, true));
    }
    change((model) => void (model.form = { ...form, sending: true }));
    const sent =
      form.kind === 'transfer'
        ? (() => {
            const entry = transferEntry(form);
            return actions.setTransfer(entry.extension, entry.destinations, entry.confirm).then((t) => `transfer set: ${transferLine(t)}`);
          })()
        : actions.submit(requestOf(form)).then((r) => `${r.kind} ${r.destination} from ${r.source}: ${r.state} (${r.id})`);
    void sent.then(
      (text) => change((model) => ((model.form = undefined), model.say(text))),
      (err: { details?: string; message?: string }) =>
        change((model) => ((model.form = { ...form, sending: false }), model.say(err.details || err.message || String(err), true))),
    );
  }

  const t = now();
  const grey = m.connection !== 'up';
  const tint = (tone: Tone) => (color && !grey ? TONE_COLOR[tone] : undefined);
  const lines = m.lineList();
  const prompts = m.openPrompts();
  const linesRows = Math.max(1, Math.min(lines.length, 4));
  const promptRows = Math.max(1, Math.min(prompts.length, 3));
  const bottomRows = 2; // transfers + peers
  // header, footer, and one title line per pane
  const requestRows = Math.max(3, size.rows - 2 - 4 - linesRows - promptRows - bottomRows);
  const width = size.columns;

  return (
    <Box flexDirection="column" width={width}>
      <Header model={m} color={color} width={width} />
      {m.help ? (
        <Help />
      ) : (
        <>
          <PaneTitle title="Lines" focused={m.focus === 'lines'} note={m.admin ? 'every extension' : 'yours'} />
          <Rows
            rows={lines.map((l) => ({ key: l.device, text: lineLine(l, t), color: tint(lineTone(l)) }))}
            selected={m.focus === 'lines' ? m.selected.lines : -1}
            height={linesRows}
            width={width}
            dim={grey}
            empty="no extensions"
          />
          <PaneTitle title="Prompts" focused={m.focus === 'prompts'} note={prompts.length > 0 ? `${prompts.length} open — a accept, r reject` : undefined} />
          <Rows
            rows={prompts.map((p) => ({ key: p.id, text: promptLine(p, t), color: tint('busy') }))}
            selected={m.selected.prompts}
            height={promptRows}
            width={width}
            dim={grey}
            empty="no prompts"
          />
          {m.form ? (
            <Form model={m} height={requestRows + 1} />
          ) : (
            <>
              <PaneTitle title="Requests" focused={m.focus === 'requests'} note={requestsNote(m)} />
              <RequestRows model={m} height={requestRows} width={width} now={t} tint={tint} dim={grey} />
            </>
          )}
          <PaneTitle title="Transfers and peers" focused={m.focus === 'transfers'} />
          <Rows
            rows={[
              {
                key: 'transfers',
                text: m.transfers.length > 0 ? m.transfers.map(transferLine).join('; ') : 'no transfer entries',
              },
              {
                key: 'peers',
                text: `switch link ${m.switchLink || 'unknown'}; peers: ${m.peers.length > 0 ? m.peers.map(peerWord).join(', ') : 'none'}`,
                color: tint(m.peers.every((p) => peerTone(p) === 'good') && m.switchLink === 'up' ? 'plain' : 'bad'),
              },
            ]}
            selected={-1}
            height={bottomRows}
            width={width}
            dim={grey}
          />
        </>
      )}
      <Footer model={m} color={color} width={width} />
    </Box>
  );
}

function requestsNote(m: DashboardModel): string {
  const shown = m.visibleRequests().length;
  const filter = m.filtering ? `filter: ${m.filter}▏` : m.filter ? `filter: ${m.filter}` : '';
  return [`${shown}${m.filter ? ` of ${m.requests.size}` : ''}`, m.admin ? 'everyone’s' : 'yours', filter].filter(Boolean).join(', ');
}

function Header({ model: m, color, width }: { model: DashboardModel; color: boolean; width: number }) {
  const ctid = m.connection === 'up' ? 'ctid up' : m.connection === 'connecting' ? 'ctid: connecting…' : 'ctid DOWN';
  const who = m.user ? `${m.user}${m.admin ? ' (admin)' : ''}` : '';
  const text = ['cti dashboard', m.office && `office ${m.office}`, who, m.switchLink && `switch ${m.switchLink}`, ctid].filter(Boolean).join(' · ');
  return (
    <Text bold color={color && m.connection !== 'up' ? 'red' : undefined} wrap="truncate">
      {text.slice(0, width)}
    </Text>
  );
}

function Footer({ model: m, color, width }: { model: DashboardModel; color: boolean; width: number }) {
  const text =
    m.connection === 'down'
      ? m.connectionDetail
      : (m.notice?.text ?? (m.form ? 'enter: next field / send · tab: next field · esc: close' : 'q quit · ? help · tab pane · c camp-on · n call · J join · B barge-in · t transfer · x cancel · / filter'));
  const error = m.connection === 'down' || m.notice?.error === true;
  return (
    <Text color={color && error ? 'red' : undefined} wrap="truncate">
      {(error && m.notice?.error ? '! ' : '') + text.slice(0, width)}
    </Text>
  );
}

function PaneTitle({ title, focused, note }: { title: string; focused: boolean; note?: string | undefined }) {
  return (
    <Text bold={focused} wrap="truncate">
      {focused ? '▶ ' : '  '}
      {title}
      {note ? ` (${note})` : ''}
    </Text>
  );
}

interface Row {
  key: string;
  text: string;
  color?: string | undefined;
}

/** Exactly `height` lines: a window of `rows` that keeps the selection in view. */
function Rows({ rows, selected, height, width, dim, empty }: { rows: Row[]; selected: number; height: number; width: number; dim: boolean; empty?: string }) {
  const start = selected < 0 ? 0 : Math.max(0, Math.min(selected - Math.floor(height / 2), rows.length - height));
  const shown = rows.slice(start, start + height);
  const lines: ReactElement[] = shown.map((row, i) => {
    const isSelected = start + i === selected;
    return (
      <Text key={row.key} color={row.color} dimColor={dim} inverse={isSelected} wrap="truncate">
        {`${isSelected ? '›' : ' '} ${row.text}`.slice(0, width)}
      </Text>
    );
  });
  if (rows.length === 0 && empty) lines.push(<Text key="empty" dimColor>{`  ${empty}`}</Text>);
  while (lines.length < height) lines.push(<Text key={`pad-${lines.length}`}> </Text>);
  return <Box flexDirection="column">{lines}</Box>;
}

/** Only the rows that fit are built: 10k requests cost as much as a screenful. */
function RequestRows({ model: m, height, width, now, tint, dim }: { model: DashboardModel; height: number; width: number; now: number; tint: (t: Tone) => string | undefined; dim: boolean }) {
  const ids = m.visibleRequests();
  const selected = m.focus === 'requests' ? m.selected.requests : -1;
  const anchor = Math.min(Math.max(0, m.selected.requests), Math.max(0, ids.length - 1));
  const start = Math.max(0, Math.min(anchor - Math.floor(height / 2), ids.length - height));
  const rows = ids.slice(start, start + height).map((id) => {
    const r = m.requests.get(id)!;
    return { key: id, text: requestLine(r, now), color: tint(requestTone(r)) };
  });
  return <Rows rows={rows} selected={selected < 0 ? -1 : selected - start} height={height} width={width} dim={dim} empty={m.filter ? 'no request matches the filter' : 'no requests'} />;
}

function Form({ model: m, height }: { model: DashboardModel; height: number }) {
  const form = m.form!;
  const lines = [
    <Text key="title" bold>{`▶ ${FORM_TITLES[form.kind]}${form.sending ? ' — sending…' : ''}`}</Text>,
    ...form.fields.flatMap((f, i) => [
      <Text key={f.name} inverse={i === form.field}>{`  ${f.label}: ${f.value}${i === form.field ? '▏' : ''}`}</Text>,
      ...(f.error && f.value ? [<Text key={`${f.name}-error`}>{`    ✗ ${f.error}`}</Text>] : []),
    ]),
  ];
  while (lines.length < height) lines.push(<Text key={`pad-${lines.length}`}> </Text>);
  return <Box flexDirection="column">{lines.slice(0, height)}</Box>;
}

function Help() {
  const keys = [
    ['q, Ctrl-C', 'quit (the terminal is restored)'],
    ['tab / shift-tab', 'next / previous pane'],
    ['j k, ↓ ↑', 'move the selection'],
    ['/', 'filter requests by number, kind or state (enter keeps it, esc clears it)'],
    ['c n J B t', 'new camp-on, call, join, barge-in, transfer (a small form; esc closes it)'],
    ['x', 'cancel the selected request'],
    ['a / r', 'accept / reject the selected prompt (a transfer prompt: to its first destination)'],
    ['?', 'this help (esc closes it)'],
  ];
  return (
    <Box flexDirection="column">
      <Text bold>▶ Help</Text>
      {keys.map(([k, what]) => (
        <Text key={k}>{`  ${k!.padEnd(16)} ${what}`}</Text>
      ))}
    </Box>
  );
}

function useTerminalSize(): { rows: number; columns: number } {
  const { stdout } = useStdout();
  const read = () => ({ rows: stdout.rows || 24, columns: stdout.columns || 80 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout]);
  return size;
}

/** One terminal bell per prompt that opens while the dashboard is up. */
function useBell(bells: number): void {
  const { stdout } = useStdout();
  const [rung, setRung] = useState(bells);
  useEffect(() => {
    if (bells > rung) {
      stdout.write('\u0007');
      setRung(bells);
    }
  }, [bells, rung, stdout]);
}
