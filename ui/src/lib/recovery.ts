// The recovery code is shown once: the user must confirm they kept it.

export function canContinueFromRecovery(state: { code: string; confirmed: boolean }): boolean {
  return state.confirmed === true && state.code.trim().length > 0;
}

/** Trims what a user typed; the core ignores case, spaces and dashes itself. */
export function normaliseRecoveryInput(input: string): string {
  return input.trim().replace(/\s+/g, ' ');
}
