// A moment as people and mail write it (a delivery time): ISO 8601 with an
// offset. A time without one would mean different moments in different
// offices, so it is refused.

const ISO_WITH_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/;

/** Epoch ms, or an error in words. */
export function parseTime(text: string): { ms: number } | { error: string } {
  const ms = ISO_WITH_OFFSET.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) return { error: `"${text}" is not an ISO 8601 time with an offset, e.g. 2026-12-01T09:30:00+09:00` };
  return { ms };
}
