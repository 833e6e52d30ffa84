// Changes that read a state, await a durable write, then replace the state
// must not interleave: two at once would each drop the other's change (and
// share one temp file). A queue runs them one after another, each seeing
// what the previous left; a failed change does not stop the next.

export class OneAtATime {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(change: () => Promise<T>): Promise<T> {
    const next = this.tail.then(change, change);
    this.tail = next.catch(() => {});
    return next;
  }
}
