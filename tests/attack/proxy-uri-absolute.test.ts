import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/canonical/index.js';
import { Enforcer } from '../../src/proxy/enforce.js';
import { lockedServer } from '../helpers/lockfiles.js';

// A reserved or path expansion whose value starts with a slash (an empty path segment) is an
// exact expansion of the locked template, yet a server that joins the value to its root the
// usual way (path.resolve('/data', '/etc/passwd'), Python's os.path.join) reads an absolute
// path outside the root: the same escape as a `..` segment, which the proxy already refuses.
const resourceTemplates = ['file:///data/{+path}', 'file:///docs/{#frag}', 'file:///seg{/a,b}'].map((uriTemplate): JsonObject => ({ uriTemplate, name: uriTemplate }));
const server = lockedServer({ resourceTemplates, capabilities: { resources: {} } });
const check = (uri: string) => new Enforcer(server).checkResource('resources/read', uri).verdict;

describe('proxy: a template value that is an absolute path', () => {
  it.each(['file:///data//etc/passwd', 'file:///data/\\etc\\passwd', 'file:///data/%2Fetc/passwd', 'file:///docs/#/etc/passwd'])('%s is blocked', (uri) => {
    expect(check(uri)).toBe('blocked');
  });

  it.each(['file:///data/notes/today.md', 'file:///data/dir/', 'file:///docs/#intro', 'file:///seg/x/y'])('%s still passes', (uri) => {
    expect(check(uri)).toBe('allowed');
  });
});
