/**
 * Bash splits COMP_WORDS at `=` and `:` as well as at spaces (COMP_WORDBREAKS), so `--env A=b` reaches a completion
 * function as `--env A = b`, and `--mount /src:/w` as three words: counted as they come, they would shift every
 * argument after them. The command line itself (COMP_LINE) tells which pieces were typed touching each other; those
 * are joined back into the words the command will really receive.
 */
export interface BashWords {
  /** The words as the command receives them, up to the current one (the program's name left out). */
  words: string[];
  /** How much of the current (joined) word bash will replace with a candidate: its last piece, or nothing after `=` or `:`. */
  replaced: string;
}

/** `pieces` are COMP_WORDS[0..COMP_CWORD]; `point` is COMP_POINT. */
export function joinBashWords(pieces: readonly string[], line: string, point: number): BashWords {
  const words: string[] = [];
  let end = 0;
  let last = '';
  pieces.forEach((typed, i) => {
    let piece = typed;
    const start = line.indexOf(piece, end);
    // The empty word after a space touches nothing; a piece not found in the line counts as a word of its own.
    const touching = i > 0 && piece !== '' && start === end;
    if (start >= 0) {
      end = start + piece.length;
      // The cursor inside the current word: complete what is before it.
      if (i === pieces.length - 1 && point >= start && point < end) piece = piece.slice(0, point - start);
    }
    if (touching) words[words.length - 1] += piece;
    else words.push(piece);
    last = piece;
  });
  const replaced = /^[=:]+$/.test(last) ? '' : last;
  return { words: words.slice(1), replaced };
}
