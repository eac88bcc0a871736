// Numbers and lines as people read them: times with their unit and 3-4 significant digits (never
// an exponent), bandwidths with 3 significant digits (never a bare 0.00), text wrapped to a width.

/** µs per op as "12.34 µs", "1.234 ms" or "2.500 s": the unit that keeps the number below 1000. */
export function formatTime(us: number): string {
  if (!Number.isFinite(us)) return '-';
  if (us < 1) return `${us.toFixed(3)} µs`;
  for (const [scale, unit] of [
    [1, 'µs'],
    [1e3, 'ms'],
  ] as const) {
    const v = Number((us / scale).toPrecision(4)); // 999.96 µs rounds to 1000: the next unit
    if (v < 1000) return `${(us / scale).toPrecision(4)} ${unit}`;
  }
  const s = us / 1e6;
  return `${s < 1000 ? s.toPrecision(4) : s.toFixed(0)} s`;
}

/** Smallest bandwidth printed as digits; below it "<0.0001" (100 KB/s: no fabric, only overhead). */
const BW_FLOOR = 1e-4;

/** GB/s with 3 significant digits in fixed point: 123, 12.3, 1.23, 0.0123; whole GB/s from 1000 up. */
export function formatBw(gbs: number | null): string {
  if (gbs === null || !Number.isFinite(gbs)) return '-';
  if (gbs === 0) return '0';
  if (gbs < BW_FLOOR) return '<0.0001';
  if (gbs >= 1000) return gbs.toFixed(0);
  const r = Number(gbs.toPrecision(3));
  return r.toFixed(Math.max(0, 2 - Math.floor(Math.log10(r))));
}

/** µs for a column headed "(µs)": fixed point, never an exponent, 2 decimals below 100 µs. */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '-';
  return us.toFixed(us >= 1000 ? 0 : us >= 100 ? 1 : 2);
}

/**
 * Pieces joined by " · " into lines of at most `width` columns, each starting with `prefix`;
 * a piece longer than a line gets a line of its own.
 */
export function joinWrapped(pieces: string[], width: number, prefix: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const p of pieces) {
    if (line && (prefix + line + ' · ' + p).length > width) {
      lines.push(prefix + line);
      line = p;
    } else line = line ? `${line} · ${p}` : p;
  }
  if (line) lines.push(prefix + line);
  return lines;
}

/** Text wrapped at spaces to lines of at most `width` columns; continuation lines get `indent`. */
export function wrapText(text: string, width: number, indent = '  '): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const lead = out.length === 0 ? '' : indent;
    if (line && (lead + line + ' ' + word).length > width) {
      out.push(lead + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  out.push((out.length === 0 ? '' : indent) + line);
  return out;
}
