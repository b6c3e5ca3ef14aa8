// An ordered set of task numbers (integers from 0 to 2^53) for the task history collectors:
// add, delete, membership, the next member above or below a number, and the largest, each in
// O(log32 of the largest number), that is at most 11 steps, whatever the set holds.
//
// It is a 32-way trie of bitmaps: a leaf holds 32 words of 32 bits (1,024 numbers), and each
// node above has a bitmap of which of its 32 children hold anything, so the next member is found
// by skipping empty children with a bit scan instead of looking at them. Task numbers are
// handed out in order and forgotten roughly in order, so the members are mostly runs: 10,000
// tasks take about 3 KB, where a balanced tree would take a node (some 50 bytes) per task.

const FANOUT = 32;
/** SPAN[level]: how many numbers one slot of a node at that level covers (a leaf's slot is a word). */
const SPAN: readonly number[] = Array.from({ length: 12 }, (_, level) => FANOUT ** level);
const MAX_NUMBER = 2 ** 53;

class Leaf {
  /** Bit i: words[i] is not 0. */
  bits = 0;
  readonly words = new Int32Array(FANOUT);
}

class Inner {
  /** Bit i: slots[i] holds something. */
  bits = 0;
  readonly slots: Array<Inner | Leaf | undefined> = new Array(FANOUT);
}

type TrieNode = Inner | Leaf;

// A node's level says whether it is a leaf; these say so to the type checker too, and would
// report a broken trie instead of reading the wrong kind of node.
function asInner(node: TrieNode): Inner {
  if (node instanceof Inner) return node;
  throw new Error('task number set: expected an inner node');
}

function asLeaf(node: TrieNode): Leaf {
  if (node instanceof Leaf) return node;
  throw new Error('task number set: expected a leaf');
}

function missing(): never {
  throw new Error('task number set: a marked slot is empty');
}

/** The lowest set bit's index (x must not be 0). */
function lowest(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** The highest set bit's index (x must not be 0). */
function highest(x: number): number {
  return 31 - Math.clz32(x);
}

/** The bits of x at index i and above. */
function from(x: number, i: number): number {
  return i >= FANOUT ? 0 : x & (-1 << i);
}

/** The bits of x below index i. */
function below(x: number, i: number): number {
  return i <= 0 ? 0 : i >= FANOUT ? x : x & ~(-1 << i);
}

function slotOf(n: number, base: number, level: number): number {
  return Math.floor((n - base) / SPAN[level]);
}

export class TaskNumberSet {
  private root: TrieNode | undefined;
  /** The root's level: a node at level L covers 32^(L+1) numbers; leaves are level 1. */
  private height = 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(n: number): boolean {
    if (!this.root || n < 0 || n >= SPAN[this.height + 1]) return false;
    let node: TrieNode = this.root;
    let base = 0;
    for (let level = this.height; level > 1; level--) {
      const slot = slotOf(n, base, level);
      const child: TrieNode | undefined = asInner(node).slots[slot];
      if (!child) return false;
      node = child;
      base += slot * SPAN[level];
    }
    const offset = n - base;
    return (asLeaf(node).words[offset >> 5] & (1 << (offset & 31))) !== 0;
  }

  /** Adds n; false if it was already a member. */
  add(n: number): boolean {
    if (!Number.isInteger(n) || n < 0 || n >= MAX_NUMBER) throw new RangeError(`task number out of range: ${n}`);
    if (!this.root) this.root = new Leaf();
    while (n >= SPAN[this.height + 1]) {
      const grown = new Inner();
      if (this.root.bits) {
        grown.slots[0] = this.root;
        grown.bits = 1;
      }
      this.root = grown;
      this.height++;
    }
    let node: TrieNode = this.root;
    let base = 0;
    for (let level = this.height; level > 1; level--) {
      const inner = asInner(node);
      const slot = slotOf(n, base, level);
      let child = inner.slots[slot];
      if (!child) {
        child = level === 2 ? new Leaf() : new Inner();
        inner.slots[slot] = child;
      }
      inner.bits |= 1 << slot;
      node = child;
      base += slot * SPAN[level];
    }
    const leaf = asLeaf(node);
    const offset = n - base;
    const word = offset >> 5;
    const bit = 1 << (offset & 31);
    if (leaf.words[word] & bit) return false;
    leaf.words[word] |= bit;
    leaf.bits |= 1 << word;
    this.count++;
    return true;
  }

  /** Removes n; false if it was not a member. */
  delete(n: number): boolean {
    if (!this.root || n < 0 || n >= SPAN[this.height + 1]) return false;
    if (!TaskNumberSet.remove(this.root, this.height, 0, n)) return false;
    this.count--;
    return true;
  }

  private static remove(node: TrieNode, level: number, base: number, n: number): boolean {
    if (level === 1) {
      const leaf = asLeaf(node);
      const offset = n - base;
      const word = offset >> 5;
      const bit = 1 << (offset & 31);
      if (!(leaf.words[word] & bit)) return false;
      leaf.words[word] &= ~bit;
      if (!leaf.words[word]) leaf.bits &= ~(1 << word);
      return true;
    }
    const inner = asInner(node);
    const slot = slotOf(n, base, level);
    const child = inner.slots[slot];
    if (!child || !TaskNumberSet.remove(child, level - 1, base + slot * SPAN[level], n)) return false;
    if (!child.bits) {
      inner.slots[slot] = undefined;
      inner.bits &= ~(1 << slot);
    }
    return true;
  }

  /** The smallest member above n, if any. */
  next(n: number): number | undefined {
    if (!this.root?.bits) return undefined;
    const target = Math.max(0, Math.floor(n) + 1);
    if (target >= SPAN[this.height + 1]) return undefined;
    return TaskNumberSet.atLeast(this.root, this.height, 0, target);
  }

  /** The largest member below n, if any. */
  prev(n: number): number | undefined {
    if (!this.root?.bits) return undefined;
    const target = Math.min(SPAN[this.height + 1] - 1, Math.ceil(n) - 1);
    if (target < 0) return undefined;
    return TaskNumberSet.atMost(this.root, this.height, 0, target);
  }

  /** The largest member, if any. */
  max(): number | undefined {
    return this.root?.bits ? TaskNumberSet.largest(this.root, this.height, 0) : undefined;
  }

  /** The smallest member at or above target in a node covering target. */
  private static atLeast(node: TrieNode, level: number, base: number, target: number): number | undefined {
    const slot = slotOf(target, base, level);
    if (level === 1) {
      const leaf = asLeaf(node);
      const inWord = from(leaf.words[slot], (target - base) & 31);
      if (inWord) return base + slot * FANOUT + lowest(inWord);
      const later = from(leaf.bits, slot + 1);
      if (!later) return undefined;
      const word = lowest(later);
      return base + word * FANOUT + lowest(leaf.words[word]);
    }
    const inner = asInner(node);
    const child = inner.slots[slot];
    if (child) {
      const found = TaskNumberSet.atLeast(child, level - 1, base + slot * SPAN[level], target);
      if (found !== undefined) return found;
    }
    const later = from(inner.bits, slot + 1);
    if (!later) return undefined;
    const next = lowest(later);
    return TaskNumberSet.smallest(inner.slots[next] ?? missing(), level - 1, base + next * SPAN[level]);
  }

  /** The largest member at or below target in a node covering target. */
  private static atMost(node: TrieNode, level: number, base: number, target: number): number | undefined {
    const slot = slotOf(target, base, level);
    if (level === 1) {
      const leaf = asLeaf(node);
      const inWord = below(leaf.words[slot], ((target - base) & 31) + 1);
      if (inWord) return base + slot * FANOUT + highest(inWord);
      const earlier = below(leaf.bits, slot);
      if (!earlier) return undefined;
      const word = highest(earlier);
      return base + word * FANOUT + highest(leaf.words[word]);
    }
    const inner = asInner(node);
    const child = inner.slots[slot];
    if (child) {
      const found = TaskNumberSet.atMost(child, level - 1, base + slot * SPAN[level], target);
      if (found !== undefined) return found;
    }
    const earlier = below(inner.bits, slot);
    if (!earlier) return undefined;
    const previous = highest(earlier);
    return TaskNumberSet.largest(inner.slots[previous] ?? missing(), level - 1, base + previous * SPAN[level]);
  }

  private static smallest(node: TrieNode, level: number, base: number): number {
    for (; level > 1; level--) {
      const slot = lowest(node.bits);
      node = asInner(node).slots[slot] ?? missing();
      base += slot * SPAN[level];
    }
    const word = lowest(node.bits);
    return base + word * FANOUT + lowest(asLeaf(node).words[word]);
  }

  private static largest(node: TrieNode, level: number, base: number): number {
    for (; level > 1; level--) {
      const slot = highest(node.bits);
      node = asInner(node).slots[slot] ?? missing();
      base += slot * SPAN[level];
    }
    const word = highest(node.bits);
    return base + word * FANOUT + highest(asLeaf(node).words[word]);
  }
}
