// Wait for a state by polling with a growing delay under a deadline, instead
// of sleeping a fixed time (style.md section 12): fast when the machine is
// idle, still passing when it is loaded.

const FIRST_DELAY_MS = 20;
const MAX_DELAY_MS = 500;

/**
 * Calls probe until accept(value) holds, and returns that value. On the
 * deadline, throws an error naming what was awaited and the last value seen.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  deadlineMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let delay = FIRST_DELAY_MS;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() + delay > deadline) {
      throw new Error(`gave up after ${deadlineMs} ms waiting for ${what}; last seen: ${JSON.stringify(value)?.slice(0, 2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}
