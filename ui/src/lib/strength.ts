// Live passphrase strength: asks the shell at most once per pause in typing,
// and never lets a late answer for old text overwrite the answer for new text.
import type { Strength } from './bindings/Strength';

export const STRENGTH_DEBOUNCE_MS = 150;

export type StrengthResult = { passphrase: string; strength: Strength };

export type StrengthChecker = {
  /** Call on every input; the check runs after `delayMs` of quiet. */
  update(passphrase: string, context: string[]): void;
  /** Stops pending checks and ignores answers still in flight. */
  dispose(): void;
};

export function createStrengthChecker(
  fetch: (passphrase: string, context: string[]) => Promise<Strength>,
  onResult: (r: StrengthResult | null) => void,
  onError: (e: unknown) => void = () => {},
  delayMs: number = STRENGTH_DEBOUNCE_MS,
): StrengthChecker {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let generation = 0;
  let disposed = false;
  return {
    update(passphrase, context) {
      if (disposed) return;
      generation += 1;
      const mine = generation;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (passphrase === '') {
        onResult(null);
        return;
      }
      timer = setTimeout(() => {
        timer = null;
        fetch(passphrase, context).then(
          (strength) => {
            if (!disposed && mine === generation) onResult({ passphrase, strength });
          },
          (e) => {
            if (!disposed && mine === generation) onError(e);
          },
        );
      }, delayMs);
    },
    dispose() {
      disposed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

/**
 * A new passphrase may be submitted only when the shell rated exactly this
 * text as acceptable and the repeat matches.
 */
export function newPassphraseReady(result: StrengthResult | null, passphrase: string, repeat: string): boolean {
  return (
    passphrase.length > 0 &&
    result !== null &&
    result.passphrase === passphrase &&
    result.strength.acceptable &&
    passphrase === repeat
  );
}

/** Whether to show "the two entries differ": only once the repeat is as long as the original. */
export function repeatMismatch(passphrase: string, repeat: string): boolean {
  return repeat.length > 0 && repeat !== passphrase && repeat.length >= passphrase.length;
}
