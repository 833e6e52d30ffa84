// `cti dashboard`'s body, imported only by that command, so Ink and React
// never load for the one-shot commands. Renders the screen, starts the feed,
// and resolves once the user quits and the terminal is restored.

import { render } from 'ink';
import type { CtiApi } from '../client.js';
import { Dashboard, type DashboardActions } from './app.js';
import { DashboardFeed } from './feed.js';
import { DashboardStore } from './store.js';

export async function runDashboard(api: CtiApi): Promise<void> {
  const store = new DashboardStore();
  const feed = new DashboardFeed(api, store);
  const refreshed = <T,>(result: T): T => {
    void feed.refresh().catch(() => {}); // a lost refresh is the feed's next poll
    return result;
  };
  const actions: DashboardActions = {
    submit: (request) => api.submit(request),
    cancel: (id) => api.cancel(id),
    answer: (id, accept) => api.answerPrompt({ id, accept, to: 0, here: false }),
    setTransfer: (extension, destinations, confirm) => api.setTransfer(extension, destinations, confirm).then(refreshed),
    quit: () => feed.stop(),
  };
  const color = !('NO_COLOR' in process.env) || process.env.NO_COLOR === '';
  const app = render(<Dashboard store={store} actions={actions} color={color} />, { exitOnCtrlC: false });
  feed.start();
  try {
    await app.waitUntilExit();
  } finally {
    feed.stop();
    store.close();
  }
}
