// Fixed-row-height windowing. Browsers cap an element's height (WebKit and
// Blink near 33.5 million px, Gecko near 17.9 million), so for very long lists
// the scrollable height is capped and scroll positions are mapped
// proportionally onto rows ("compressed" mode). Below the cap it is exact.

export const MAX_SCROLL_HEIGHT = 8_000_000;

export type WindowInput = {
  count: number;
  rowHeight: number;
  viewportHeight: number;
  scrollTop: number;
  overscan?: number;
  maxHeight?: number;
};

export type WindowRange = {
  /** First row at least partly visible at the top of the viewport. */
  first: number;
  /** First rendered row (inclusive). */
  start: number;
  /** One past the last rendered row. */
  end: number;
  /** Where, in the scrollable content, the first rendered row's top goes. */
  offsetY: number;
  /** Height of the scrollable content. */
  contentHeight: number;
};

export function contentHeight(count: number, rowHeight: number, maxHeight = MAX_SCROLL_HEIGHT): number {
  return Math.min(Math.max(0, count) * rowHeight, maxHeight);
}

/** The pixel in the full (uncompressed) list shown at the top of the viewport. */
function virtualTop(scrollTop: number, count: number, rowHeight: number, viewportHeight: number, maxHeight: number): number {
  const real = count * rowHeight;
  const shown = contentHeight(count, rowHeight, maxHeight);
  if (real <= shown) return Math.max(0, Math.min(scrollTop, Math.max(0, real - viewportHeight)));
  const maxScroll = Math.max(1, shown - viewportHeight);
  const realMax = Math.max(0, real - viewportHeight);
  const clamped = Math.max(0, Math.min(scrollTop, maxScroll));
  return (clamped / maxScroll) * realMax;
}

export function visibleRange(input: WindowInput): WindowRange {
  const { count, rowHeight, viewportHeight, scrollTop } = input;
  const overscan = input.overscan ?? 6;
  const maxHeight = input.maxHeight ?? MAX_SCROLL_HEIGHT;
  const height = contentHeight(count, rowHeight, maxHeight);
  if (count <= 0 || rowHeight <= 0) return { first: 0, start: 0, end: 0, offsetY: 0, contentHeight: 0 };
  const top = virtualTop(scrollTop, count, rowHeight, viewportHeight, maxHeight);
  const first = Math.min(count - 1, Math.floor(top / rowHeight));
  const last = Math.min(count, Math.ceil((top + Math.max(viewportHeight, rowHeight)) / rowHeight));
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, last + overscan);
  const clampedScroll = Math.max(0, Math.min(scrollTop, Math.max(0, height - viewportHeight)));
  const offsetY = Math.max(0, clampedScroll + (start * rowHeight - top));
  return { first, start, end, offsetY, contentHeight: height };
}

/**
 * The scrollTop that brings row `index` into view: unchanged if it is already
 * fully visible, otherwise just enough to show it at the top or bottom edge.
 */
export function scrollTopFor(
  index: number,
  current: { count: number; rowHeight: number; viewportHeight: number; scrollTop: number; maxHeight?: number },
): number {
  const { count, rowHeight, viewportHeight, scrollTop } = current;
  const maxHeight = current.maxHeight ?? MAX_SCROLL_HEIGHT;
  const real = count * rowHeight;
  const shown = contentHeight(count, rowHeight, maxHeight);
  const top = virtualTop(scrollTop, count, rowHeight, viewportHeight, maxHeight);
  const rowTop = index * rowHeight;
  let wantTop: number;
  if (rowTop < top) wantTop = rowTop;
  else if (rowTop + rowHeight > top + viewportHeight) wantTop = rowTop + rowHeight - viewportHeight;
  else return scrollTop;
  wantTop = Math.max(0, Math.min(wantTop, Math.max(0, real - viewportHeight)));
  if (real <= shown) return wantTop;
  const maxScroll = Math.max(1, shown - viewportHeight);
  const realMax = Math.max(1, real - viewportHeight);
  return (wantTop / realMax) * maxScroll;
}
