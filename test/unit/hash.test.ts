import { contentHash, stableStringify } from '../../src/content/hash.js';

describe('stableStringify', () => {
  it('sorts object keys, so key order does not matter', () => {
    expect(stableStringify({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
    expect(stableStringify({ a: 2, b: 1 })).toBe('{"a":2,"b":1}');
  });

  it('sorts keys at every nesting level and keeps array order', () => {
    const value = { z: [3, { y: true, x: null }, 'q'], a: { d: { f: 'F', e: 'E' }, c: [] } };
    expect(stableStringify(value)).toBe('{"a":{"c":[],"d":{"e":"E","f":"F"}},"z":[3,{"x":null,"y":true},"q"]}');
  });

  it('arrays are not reordered', () => {
    expect(stableStringify([2, 1])).toBe('[2,1]');
    expect(stableStringify([2, 1])).not.toBe(stableStringify([1, 2]));
  });

  it('drops object properties whose value is undefined', () => {
    expect(stableStringify({ a: 1, b: undefined, c: { d: undefined, e: 2 } })).toBe('{"a":1,"c":{"e":2}}');
  });

  it('serialises scalars like JSON.stringify', () => {
    expect(stableStringify('a"b')).toBe('"a\\"b"');
    expect(stableStringify(1.5)).toBe('1.5');
    expect(stableStringify(null)).toBe('null');
    expect(stableStringify(false)).toBe('false');
  });

  it('escapes keys', () => {
    expect(stableStringify({ '@timestamp': 1, 'a"b': 2 })).toBe('{"@timestamp":1,"a\\"b":2}');
  });
});

describe('contentHash', () => {
  it('is 20 lower-case hex digits', () => {
    expect(contentHash({ a: 1 })).toMatch(/^[0-9a-f]{20}$/);
  });

  it('is the first 20 hex digits of SHA-256 of the stable JSON', () => {
    // sha256('{"a":1}') = 015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862
    expect(contentHash({ a: 1 })).toBe('015abd7f5cc57a2dd94b');
  });

  it('is stable across key order and undefined properties', () => {
    expect(contentHash({ b: [1, { d: 1, c: 2 }], a: 'x' })).toBe(contentHash({ a: 'x', b: [1, { c: 2, d: 1 }], e: undefined }));
  });

  it('changes when content changes', () => {
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
    expect(contentHash([1, 2])).not.toBe(contentHash([2, 1]));
  });
});
