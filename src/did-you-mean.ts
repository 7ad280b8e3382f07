/**
 * "did you mean …?" for a mistyped command or flag: the closest known name by edit distance
 * (insertions, deletions, substitutions and swaps of neighbours), when it is close enough to
 * be a typo rather than another word.
 */

/** Edits allowed for a suggestion: a third of the word's length, at least 1, at most 3. */
const maxEdits = (word: string) => Math.min(3, Math.max(1, Math.floor(word.length / 3)));

/** Optimal string alignment distance between `a` and `b`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to `word`, if it is within a typo's distance (or `word` is a prefix of only it). */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) { best = name; bestDistance = distance; }
  }
  if (best !== undefined && bestDistance <= maxEdits(word)) return best;
  const prefixed = known.filter((name) => name.startsWith(word));
  return word.length >= 3 && prefixed.length === 1 ? prefixed[0] : undefined;
}

/** `message` with "; did you mean --x?" when it is parseArgs' "Unknown option '--y'" and a flag is close. */
export function suggestFlag(message: string, flags: readonly string[]): string {
  const match = /^Unknown option '(--?)([^'=]+)'/.exec(message);
  if (!match) return message;
  const guess = closest(match[2]!, flags);
  return guess ? `${message}; did you mean --${guess}?` : message;
}
