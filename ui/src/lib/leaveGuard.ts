// One screen at a time may hold unsaved work (the agreement editor). Moving
// elsewhere in the app (another section, Lock) goes through `leave`, which
// lets that screen ask "save / discard / stay" before the move happens.

export type LeaveGuard = (proceed: () => void) => void;

let current: LeaveGuard | null = null;

/** Registers the guard of the screen with unsaved work; returns its removal. */
export function setLeaveGuard(guard: LeaveGuard): () => void {
  current = guard;
  return () => {
    if (current === guard) current = null;
  };
}

/** Runs `proceed` now, or once the screen holding unsaved work lets it. */
export function leave(proceed: () => void): void {
  if (current) current(proceed);
  else proceed();
}
