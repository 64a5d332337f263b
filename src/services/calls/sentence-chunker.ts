/**
 * Cuts a reply streaming in as text deltas into pieces worth speaking on their own: whole sentences (or
 * clauses once a sentence runs long), so the first one is read aloud while the model writes the rest.
 */
export class SentenceChunker {
  private buffer = "";

  constructor(
    private readonly minimumCharacters = 12,
    private readonly longClause = 160,
  ) {}

  /** Adds a delta; returns the pieces it completed. */
  push(delta: string): string[] {
    this.buffer += delta;
    const pieces: string[] = [];
    for (;;) {
      const cut = this.nextCut();
      if (cut < 0) return pieces;
      const piece = cleanForSpeech(this.buffer.slice(0, cut));
      this.buffer = this.buffer.slice(cut);
      if (piece) pieces.push(piece);
    }
  }

  /** What is left when the reply is complete. */
  flush(): string[] {
    const piece = cleanForSpeech(this.buffer);
    this.buffer = "";
    return piece ? [piece] : [];
  }

  private nextCut(): number {
    const sentenceEnd = /[.!?…。！？]+["'”’)\]]*\s+|\n+/g;
    for (let match = sentenceEnd.exec(this.buffer); match; match = sentenceEnd.exec(this.buffer)) {
      const end = match.index + match[0].length;
      if (end >= this.minimumCharacters) return end;
    }
    if (this.buffer.length > this.longClause) {
      const clause = Math.max(this.buffer.lastIndexOf(", "), this.buffer.lastIndexOf("; "));
      if (clause > this.minimumCharacters) return clause + 2;
    }
    return -1;
  }
}

/**
 * Text as it should be heard: roleplay actions (*smiles*), markdown marks, URLs and emoji are not read
 * aloud.
 */
export function cleanForSpeech(text: string): string {
  return text
    .replace(/\*\*([^*\n]+)\*\*/g, "$1")
    .replace(/__([^_\n]+)__/g, "$1")
    .replace(/\*[^*\n]{1,200}\*/g, " ")
    .replace(/https?:\/\/\S+/g, " ")
    .replace(/[#*_`~>|]/g, " ")
    .replace(/\p{Extended_Pictographic}/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}
