import { mutate, mutations, prng } from '../harness/mutate.js';

describe('lines one edit away', () => {
  it('is the same for the same seed, and differs for another', () => {
    const lines = ['16-Dec-2014 01:03:55 client 192.0.2.15#47197: query: apt.example.com IN A + (192.0.2.53)'];
    expect(mutations(lines, 50, 7)).toEqual(mutations(lines, 50, 7));
    expect(mutations(lines, 50, 7)).not.toEqual(mutations(lines, 50, 8));
  });

  it('never gives back the line itself or a blank line', () => {
    const rand = prng(1);
    for (const line of ['a', 'ab', 'a b', 'client 1#2: query: x IN A +']) {
      for (let k = 0; k < 200; k++) {
        const { line: out } = mutate(line, rand);
        expect(out).not.toBe(line);
        expect(out.trim()).not.toBe('');
      }
    }
  });

  it('makes every kind of edit', () => {
    const rand = prng(3);
    const kinds = new Set(Array.from({ length: 300 }, () => mutate('Feb 16 11:43:32 dns1 named[123]: client 1.2.3.4#5', rand).edit));
    expect([...kinds].sort()).toEqual(['delete', 'double-space', 'insert', 'replace', 'swap', 'truncate']);
  });
});
