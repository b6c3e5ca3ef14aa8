// The ordered set behind the task history collectors, against a plain sorted array.

import { expect, test } from 'vitest';
import { TaskNumberSet } from '../../src/vim/task-number-set.js';

function model() {
  const members: number[] = [];
  return {
    members,
    add(n: number) {
      if (members.includes(n)) return false;
      members.push(n);
      members.sort((a, b) => a - b);
      return true;
    },
    delete(n: number) {
      const i = members.indexOf(n);
      if (i === -1) return false;
      members.splice(i, 1);
      return true;
    },
    next: (n: number) => members.find((m) => m > n),
    prev: (n: number) => [...members].reverse().find((m) => m < n),
  };
}

test.each([
  ['a run of task numbers, as tasks come', 3_000, 1],
  ['numbers spread over leaves and levels', 40_000_000, 2],
  ['numbers up to 2^53', 2 ** 53 - 1, 3],
])('%s: every operation agrees with a sorted array', (_name, range, seed0) => {
  const set = new TaskNumberSet();
  const m = model();
  let seed = seed0;
  const random = (n: number) => {
    seed = (seed * 48271) % 2147483647;
    return Math.floor((seed / 2147483647) * n);
  };
  // Mostly numbers near others, as task numbers are, and now and then anywhere in the range.
  const pick = () => (m.members.length && random(4) ? Math.max(0, Math.min(range, m.members[random(m.members.length)] + random(70) - 35)) : random(range));
  for (let step = 0; step < 6_000; step++) {
    const n = pick();
    if (random(3)) expect(set.add(n)).toBe(m.add(n));
    else expect(set.delete(n)).toBe(m.delete(n));
    expect(set.size).toBe(m.members.length);
    const probe = pick();
    expect(set.has(probe)).toBe(m.members.includes(probe));
    expect(set.next(probe)).toBe(m.next(probe));
    expect(set.prev(probe)).toBe(m.prev(probe));
    expect(set.max()).toBe(m.members.at(-1));
  }
  // Walking with next and prev visits every member once, in order.
  const up: number[] = [];
  for (let n = set.next(-1); n !== undefined; n = set.next(n)) up.push(n);
  expect(up).toEqual(m.members);
  const down: number[] = [];
  for (let n = set.prev(Infinity); n !== undefined; n = set.prev(n)) down.push(n);
  expect(down).toEqual([...m.members].reverse());
  // Emptied, it is empty; refilled, it works.
  for (const n of [...m.members]) expect(set.delete(n)).toBe(true);
  expect([set.size, set.max(), set.next(-1), set.prev(Infinity)]).toEqual([0, undefined, undefined, undefined]);
  expect(set.add(5)).toBe(true);
  expect([set.next(-1), set.prev(6), set.next(5), set.prev(5)]).toEqual([5, 5, undefined, undefined]);
});

test('edges: word and leaf boundaries, numbers out of range', () => {
  const set = new TaskNumberSet();
  for (const n of [0, 31, 32, 1023, 1024, 32767, 32768, 2 ** 31 - 1, 2 ** 31, 2 ** 32]) set.add(n);
  expect(set.next(0)).toBe(31);
  expect(set.next(31)).toBe(32);
  expect(set.next(32)).toBe(1023);
  expect(set.prev(1024)).toBe(1023);
  expect(set.prev(32768)).toBe(32767);
  expect(set.next(2 ** 31 - 1)).toBe(2 ** 31);
  expect(set.prev(2 ** 32)).toBe(2 ** 31);
  expect(set.max()).toBe(2 ** 32);
  expect(set.has(2 ** 40)).toBe(false);
  expect(set.delete(2 ** 40)).toBe(false);
  expect(() => set.add(-1)).toThrow(RangeError);
  expect(() => set.add(1.5)).toThrow(RangeError);
});
