// Tells the shell the user is still there (so the idle auto-lock restarts),
// at most once per interval however many events arrive.

export type ActivityNotifier = {
  /** Call on every pointer/key event; sends at most once per interval. Returns true if it sent. */
  notify(): boolean;
  /** Forget the last send so the next activity is reported at once (after unlock). */
  reset(): void;
};

export const TOUCH_INTERVAL_MS = 30_000;

export function createActivityNotifier(
  send: () => unknown,
  intervalMs: number = TOUCH_INTERVAL_MS,
  now: () => number = () => Date.now(),
): ActivityNotifier {
  let last: number | null = null;
  return {
    notify() {
      const t = now();
      if (last !== null && t - last < intervalMs) return false;
      last = t;
      try {
        const r = send();
        if (r instanceof Promise) r.catch(() => {});
      } catch {
        /* a failed touch must never break the UI */
      }
      return true;
    },
    reset() {
      last = null;
    },
  };
}
