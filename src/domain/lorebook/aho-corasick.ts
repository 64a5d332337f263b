/**
 * Finds many literal strings in a text in one pass (Aho-Corasick), so a book with thousands of keys costs one
 * walk over the scanned messages instead of one `includes` per key. Works on UTF-16 code units; callers fold
 * case before building and before scanning when they want case-insensitive matches.
 */
export class AhoCorasick {
  /** Per node: child node by code unit. */
  private readonly children: Map<number, number>[] = [new Map()];
  private failure: Int32Array = new Int32Array(1);
  /** Per node: the patterns ending exactly here. */
  private readonly outputs: (number[] | undefined)[] = [undefined];
  /** Per node: the nearest node on the failure chain that ends a pattern (-1: none). */
  private outputLink: Int32Array = new Int32Array(1);
  private readonly lengths: number[] = [];
  private built = false;

  /** Adds a pattern and answers its id (ids count from 0 in the order added). Empty patterns never match. */
  add(pattern: string): number {
    if (this.built) throw new Error("patterns must be added before the first scan");
    const id = this.lengths.length;
    this.lengths.push(pattern.length);
    if (pattern.length === 0) return id;
    let node = 0;
    for (let index = 0; index < pattern.length; index++) {
      const code = pattern.charCodeAt(index);
      let next = this.children[node]?.get(code);
      if (next === undefined) {
        next = this.children.length;
        this.children.push(new Map());
        this.outputs.push(undefined);
        this.children[node]?.set(code, next);
      }
      node = next;
    }
    (this.outputs[node] ??= []).push(id);
    return id;
  }

  get patternCount(): number {
    return this.lengths.length;
  }

  patternLength(id: number): number {
    return this.lengths[id] ?? 0;
  }

  private build(): void {
    const nodeCount = this.children.length;
    this.failure = new Int32Array(nodeCount);
    this.outputLink = new Int32Array(nodeCount).fill(-1);
    const queue: number[] = [];
    for (const child of (this.children[0] as Map<number, number>).values()) queue.push(child);
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head] as number;
      for (const [code, child] of this.children[node] as Map<number, number>) {
        let fallback = this.failure[node] as number;
        while (fallback !== 0 && !this.children[fallback]?.has(code))
          fallback = this.failure[fallback] as number;
        const target = this.children[fallback]?.get(code);
        const childFailure = target !== undefined && target !== child ? target : 0;
        this.failure[child] = childFailure;
        this.outputLink[child] = this.outputs[childFailure]
          ? childFailure
          : (this.outputLink[childFailure] as number);
        queue.push(child);
      }
    }
    this.built = true;
  }

  /**
   * Calls `onMatch(patternId, end)` for every occurrence (overlapping ones included), `end` being the index
   * just past the match. Returning true from `onMatch` stops the scan early.
   */
  scan(text: string, onMatch: (patternId: number, end: number) => boolean | void): void {
    if (!this.built) this.build();
    const children = this.children;
    const failure = this.failure;
    const outputs = this.outputs;
    const outputLink = this.outputLink;
    let node = 0;
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      let next = children[node]?.get(code);
      while (next === undefined && node !== 0) {
        node = failure[node] as number;
        next = children[node]?.get(code);
      }
      node = next ?? 0;
      for (let report = outputs[node] ? node : (outputLink[node] as number); report > 0;) {
        for (const id of outputs[report] as number[]) if (onMatch(id, index + 1) === true) return;
        report = outputLink[report] as number;
      }
    }
  }
}
