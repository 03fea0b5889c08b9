import { describe, expect, it } from 'vitest';
import { findCollisions, indexShadows } from '../../src/safety/shadowing.js';

// findCollisions returns at once when every tool is of one server (no group can hold two
// servers), and indexShadows answers "none" without building keys when nothing collides; with
// two servers the groups are found as before, from an array or any iterable.
describe('shadowing fast paths', () => {
  it('one server: no collision, even for identical and look-alike names', () => {
    expect(findCollisions([{ server: 'a', name: 'read' }, { server: 'a', name: 'read' }, { server: 'a', name: 'r\u0435ad' }])).toEqual([]);
    expect(findCollisions([])).toEqual([]);
    expect(indexShadows([]).of('a', 'read')).toEqual({ others: [], more: 0 });
  });

  it('two servers: the same and look-alike names collide, from an iterable too', () => {
    const tools = [{ server: 'a', name: 'read' }, { server: 'b', name: 'r\u0435ad' }, { server: 'b', name: 'write' }];
    const fromIterable = findCollisions(new Set(tools));
    expect(fromIterable).toEqual(findCollisions(tools));
    expect(fromIterable).toEqual([{ looksLike: 'read', tools: [tools[0], tools[1]], confusable: true }]);
    expect(indexShadows(fromIterable).of('a', 'read').others).toEqual([tools[1]]);
    expect(indexShadows(fromIterable).of('b', 'write').others).toEqual([]);
  });
});
