import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/canonical/index.js';
import type { LockedServer } from '../../src/lockfile/types.js';
import { Enforcer } from '../../src/proxy/enforce.js';

// A reserved or path expansion whose value starts with a slash (an empty path segment) is an
// exact expansion of the locked template, yet a server that joins the value to its root the
// usual way (path.resolve('/data', '/etc/passwd'), Python's os.path.join) reads an absolute
// path outside the root: the same escape as a `..` segment, which the proxy already refuses.
const templates = Object.create(null) as Record<string, JsonObject>;
for (const uriTemplate of ['file:///data/{+path}', 'file:///docs/{#frag}', 'file:///seg{/a,b}']) templates[uriTemplate] = { uriTemplate, name: uriTemplate };
const server: LockedServer = {
  name: 's',
  transport: { type: 'stdio', command: 'node', args: ['s.mjs'], env: [] },
  surface: {
    identity: { serverInfo: { name: 's', version: '1' }, protocolVersion: '2025-11-25', capabilities: { resources: {} } },
    tools: Object.create(null),
    prompts: Object.create(null),
    resources: Object.create(null),
    resourceTemplates: templates,
  },
};
const check = (uri: string) => new Enforcer(server).checkResource('resources/read', uri).verdict;

describe('proxy: a template value that is an absolute path', () => {
  it.each(['file:///data//etc/passwd', 'file:///data/\\etc\\passwd', 'file:///data/%2Fetc/passwd', 'file:///docs/#/etc/passwd'])('%s is blocked', (uri) => {
    expect(check(uri)).toBe('blocked');
  });

  it.each(['file:///data/notes/today.md', 'file:///data/dir/', 'file:///docs/#intro', 'file:///seg/x/y'])('%s still passes', (uri) => {
    expect(check(uri)).toBe('allowed');
  });
});
