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
    this.flatten();
    this.built = true;
  }

  /*
   * The scan reads typed arrays only: the root's children in a table indexed by code unit (most steps of a
   * scan start from the root), every other node's children as a short run of (code, child) pairs, which
   * beats a Map lookup for the one or two children most trie nodes have.
   */
  private rootChildren: Int32Array = new Int32Array(0);
  private childStart: Int32Array = new Int32Array(0);
  private childCodes: Uint16Array = new Uint16Array(0);
  private childTargets: Int32Array = new Int32Array(0);
  private hasOutput: Uint8Array = new Uint8Array(0);

  private flatten(): void {
    const nodeCount = this.children.length;
    this.rootChildren = new Int32Array(65_536);
    for (const [code, child] of this.children[0] as Map<number, number>) this.rootChildren[code] = child;
    this.childStart = new Int32Array(nodeCount + 1);
    let total = 0;
    for (let node = 0; node < nodeCount; node++) {
      this.childStart[node] = total;
      if (node !== 0) total += (this.children[node] as Map<number, number>).size;
    }
    this.childStart[nodeCount] = total;
    this.childCodes = new Uint16Array(total);
    this.childTargets = new Int32Array(total);
    for (let node = 1; node < nodeCount; node++) {
      let slot = this.childStart[node] as number;
      for (const [code, child] of this.children[node] as Map<number, number>) {
        this.childCodes[slot] = code;
        this.childTargets[slot] = child;
        slot++;
      }
    }
    this.hasOutput = new Uint8Array(nodeCount);
    for (let node = 0; node < nodeCount; node++) {
      if (this.outputs[node] || (this.outputLink[node] as number) > 0) this.hasOutput[node] = 1;
    }
  }

  /** The child of `node` on `code`, or 0 when there is none. */
  private step(node: number, code: number): number {
    if (node === 0) return this.rootChildren[code] as number;
    const end = this.childStart[node + 1] as number;
    for (let slot = this.childStart[node] as number; slot < end; slot++) {
      if (this.childCodes[slot] === code) return this.childTargets[slot] as number;
    }
    return 0;
  }

  /**
   * Calls `onMatch(patternId, end)` for every occurrence (overlapping ones included), `end` being the index
   * just past the match. Returning true from `onMatch` stops the scan early. Only `text` up to `limit`
   * (default: all of it) is read.
   */
  scan(text: string, onMatch: (patternId: number, end: number) => boolean | void, limit = text.length): void {
    if (!this.built) this.build();
    const { failure, outputs, outputLink, hasOutput } = this;
    const end = Math.min(limit, text.length);
    let node = 0;
    for (let index = 0; index < end; index++) {
      const code = text.charCodeAt(index);
      let next = this.step(node, code);
      while (next === 0 && node !== 0) {
        node = failure[node] as number;
        next = this.step(node, code);
      }
      node = next;
      if (hasOutput[node] === 0) continue;
      for (let report = outputs[node] ? node : (outputLink[node] as number); report > 0;) {
        for (const id of outputs[report] as number[]) if (onMatch(id, index + 1) === true) return;
        report = outputLink[report] as number;
      }
    }
  }
}
