/**
 * The JSON Schema of the policy `input` document, the source of truth for
 * `schemas/policy-input.schema.json` (a test keeps the two equal, and validates the inputs
 * built in the tests against it). See src/policy/input.ts for the builder.
 */
const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;
const strings = { type: 'array', items: str } as const;
const object = { type: 'object' } as const;
const severity = { enum: ['critical', 'high', 'medium', 'low', 'info'] } as const;

const signal = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'severity', 'evidence'],
  properties: { kind: str, severity, evidence: str },
} as const;
const signals = { type: 'array', items: { $ref: '#/definitions/signal' } } as const;

const flags = {
  type: 'object',
  additionalProperties: false,
  required: ['nonAscii', 'invisible', 'bidi', 'confusable'],
  properties: {
    nonAscii: { type: 'boolean', description: 'A character outside printable ASCII.' },
    invisible: { type: 'boolean', description: 'Zero-width, tag or other invisible characters.' },
    bidi: { type: 'boolean', description: 'Bidirectional control characters.' },
    confusable: { type: 'boolean', description: 'Looks like a different ASCII name (homoglyphs, mixed scripts).' },
  },
} as const;

const toolFlags = {
  ...flags,
  required: [...flags.required, 'nonStandard'],
  properties: {
    ...flags.properties,
    nonStandard: {
      type: 'boolean',
      description: 'The name is not 1 to 128 characters of A-Z, a-z, 0-9, "_", "-" and "." (the tool-name format of the MCP specification, 2025-11-25).',
    },
  },
} as const;

const address = {
  scheme: { type: 'string', description: 'Lower-case URI scheme, "" when there is none.' },
  address: { enum: ['link-local', 'loopback', 'private', 'file', null], description: 'Where it points when that is not the public internet.' },
  internal: { type: 'boolean', description: 'address is not null.' },
  traversal: { type: 'boolean', description: 'Its path climbs out of its root with ".." segments (also percent-encoded or with backslashes): path traversal.' },
} as const;

export const POLICY_INPUT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://mcptrust.dev/schemas/policy-input.schema.json',
  title: 'mcptrust policy input',
  description: 'The `input` variable of policy rules (CEL). Absent text is "", absent objects are {} or null as stated.',
  type: 'object',
  additionalProperties: false,
  required: ['inputVersion', 'source', 'locked', 'lockfileVersion', 'servers', 'server', 'tools', 'prompts', 'resources', 'drift', 'mtf', 'verification'],
  properties: {
    inputVersion: { const: 1 },
    source: {
      enum: ['lockfile', 'live', 'against'],
      description: 'What servers/tools/prompts/resources describe: the --lock file, the live server, or the --against lockfile.',
    },
    locked: {
      type: 'boolean',
      description: 'False under policy check --no-lockfile: a live surface with no approved lockfile; drift is then empty and not checked.',
    },
    lockfileVersion: { type: 'integer' },
    servers: { type: 'array', items: { $ref: '#/definitions/server' } },
    server: {
      description: 'MCPTrust compatibility: the one server, when there is exactly one; else null.',
      oneOf: [
        { type: 'null' },
        { type: 'object', additionalProperties: false, required: ['name', 'version'], properties: { name: str, version: str } },
      ],
    },
    artifact: {
      $ref: '#/definitions/artifact',
      description:
        'MCPTrust compatibility: the artifact of the one server, present only when there is exactly one (servers[].artifact always is). Guard with has(input.artifact).',
    },
    tools: { type: 'array', description: 'Every tool of every server, in one list.', items: { $ref: '#/definitions/tool' } },
    prompts: {
      type: 'object',
      additionalProperties: false,
      required: ['names', 'definitions', 'items'],
      properties: {
        names: strings,
        definitions: {
          type: 'object',
          description: 'MCPTrust compatibility: prompt name → {argumentsHash} (the digest of its arguments).',
          additionalProperties: { type: 'object', additionalProperties: false, required: ['argumentsHash'], properties: { argumentsHash: str } },
        },
        items: { type: 'array', items: { $ref: '#/definitions/prompt' } },
      },
    },
    resources: {
      type: 'object',
      additionalProperties: false,
      required: ['items', 'templates', 'schemes'],
      properties: {
        items: { type: 'array', items: { $ref: '#/definitions/resource' } },
        templates: { type: 'array', items: { $ref: '#/definitions/template' } },
        schemes: { ...strings, description: 'Sorted, distinct URI schemes of every resource and template.' },
      },
    },
    drift: {
      type: 'object',
      additionalProperties: false,
      required: ['checked', 'against', 'hasDrift', 'breaking', 'maxSeverity', 'items'],
      properties: {
        checked: { type: 'boolean', description: 'A comparison was made (live server or --against).' },
        against: { enum: ['', 'live', 'lockfile'] },
        hasDrift: bool,
        breaking: bool,
        maxSeverity: { enum: ['', 'critical', 'high', 'medium', 'low', 'info'] },
        items: { type: 'array', items: { $ref: '#/definitions/change' } },
      },
    },
    mtf: {
      type: 'object',
      additionalProperties: false,
      required: ['available', 'servers'],
      properties: {
        available: { type: 'boolean', description: 'MTF results were computed for the servers.' },
        servers: { type: 'array', items: { $ref: '#/definitions/mtfServer' } },
      },
    },
    verification: {
      type: 'object',
      additionalProperties: false,
      required: ['checked', 'verified', 'signers'],
      properties: { checked: bool, verified: bool, signers: strings },
    },
  },
  definitions: {
    signal,
    flags,
    toolFlags,
    server: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'identity', 'transport', 'artifact', 'tools', 'prompts', 'resources', 'resourceTemplates', 'mtf'],
      properties: {
        name: str,
        artifact: { $ref: '#/definitions/artifact' },
        identity: {
          type: 'object',
          additionalProperties: false,
          required: ['serverInfo', 'name', 'version', 'protocolVersion', 'capabilities', 'instructions'],
          properties: { serverInfo: object, name: str, version: str, protocolVersion: str, capabilities: object, instructions: str },
        },
        transport: {
          type: 'object',
          required: ['type'],
          properties: { type: { enum: ['stdio', 'streamable-http', 'sse'] }, command: str, args: strings, env: strings, url: str, headers: strings },
        },
        tools: { type: 'array', items: { $ref: '#/definitions/tool' } },
        prompts: { type: 'array', items: { $ref: '#/definitions/prompt' } },
        resources: { type: 'array', items: { $ref: '#/definitions/resource' } },
        resourceTemplates: { type: 'array', items: { $ref: '#/definitions/template' } },
        mtf: { description: 'This server\'s MTF results (as in input.mtf.servers, without "server"), or null.', oneOf: [{ type: 'null' }, object] },
      },
    },
    artifact: {
      type: 'object',
      description:
        'Which code the server runs, as the lockfile pins it (every field present; absent text is ""). pinned is false for an HTTP server, a lockfile written before pinning, an unknown launcher or lock --no-pin.',
      additionalProperties: false,
      required: ['pinned', 'type', 'spec', 'name', 'version', 'integrity', 'dependencies', 'distributions', 'files', 'modules', 'provenance', 'note'],
      properties: {
        pinned: { type: 'boolean', description: 'An npm, pypi, oci or local pin is recorded.' },
        type: { enum: ['npm', 'pypi', 'oci', 'local', 'unpinned', ''], description: '"" when the lockfile records no artifact (HTTP server, or written before pinning).' },
        spec: { type: 'string', description: 'What the launch asked for, as written (@scope/pkg@^1, image:tag).' },
        name: { type: 'string', description: 'The resolved package or image name.' },
        version: { type: 'string', description: 'The resolved version (npm, pypi) or the image tag.' },
        integrity: { type: 'string', description: 'npm: SRI of the tarball; oci: the image digest; local: sha256- of the file. "" when not pinned.' },
        dependencies: {
          type: 'array',
          description: 'npm: every package the launch installs, the top one included.',
          items: { type: 'object', additionalProperties: false, required: ['path', 'name', 'version', 'integrity'], properties: { path: str, name: str, version: str, integrity: str } },
        },
        distributions: {
          type: 'array',
          items: { type: 'object', additionalProperties: false, required: ['filename', 'sha256'], properties: { filename: str, sha256: str } },
        },
        files: {
          type: 'array',
          description: 'Local files the launch runs, by path relative to the lockfile folder when inside it.',
          items: { type: 'object', additionalProperties: false, required: ['path', 'integrity'], properties: { path: str, integrity: str } },
        },
        modules: {
          type: 'array',
          description: 'local: the preloads the launch names as modules (-r dotenv/config), sorted; their code is not pinned.',
          items: str,
        },
        provenance: {
          type: 'object',
          description: 'npm registry attestations (Sigstore + SLSA), verified offline; verified is false when absent or not verified.',
          additionalProperties: false,
          required: ['present', 'verified', 'reason', 'sourceRepository', 'sourceCommit', 'workflow', 'builder'],
          properties: {
            present: { type: 'boolean', description: 'Provenance was looked for and recorded (verified or not).' },
            verified: bool,
            reason: { type: 'string', description: 'Why it is not verified ("" when verified).' },
            sourceRepository: str,
            sourceCommit: str,
            workflow: str,
            builder: str,
          },
        },
        note: { type: 'string', description: 'Why nothing is pinned (type unpinned).' },
      },
    },
    mtfServer: {
      type: 'object',
      description: 'MTF CD-01 (tool declaration) and CD-03 (description safety) for one live or locked server.',
      additionalProperties: false,
      required: ['server', 'passed', 'risk', 'counts', 'controls', 'findings'],
      properties: {
        server: str,
        passed: { type: 'boolean', description: 'Both controls pass.' },
        risk: { enum: ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] },
        counts: { type: 'object', additionalProperties: { type: 'integer' } },
        controls: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['status', 'levelCap', 'findings'],
            properties: { status: { enum: ['pass', 'fail', 'warn', 'skip', 'error'] }, levelCap: { enum: [null, 1, 2, 3] }, findings: { type: 'integer' } },
          },
        },
        findings: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'control', 'severity', 'title', 'description'],
            properties: { id: str, control: str, severity, title: str, description: str },
          },
        },
      },
    },
    tool: {
      type: 'object',
      additionalProperties: false,
      required: [
        'server',
        'name',
        'title',
        'description',
        'hasDescription',
        'inputSchema',
        'input_schema',
        'outputSchema',
        'annotations',
        'risk_level',
        'risk_reasons',
        'capabilities',
        'flags',
        'nameSignals',
        'descriptionSignals',
        'shadows',
      ],
      properties: {
        server: str,
        name: str,
        title: str,
        description: str,
        hasDescription: { type: 'boolean', description: 'The description is not empty or blank.' },
        inputSchema: object,
        input_schema: { type: 'object', description: 'MCPTrust spelling of inputSchema (same object).' },
        outputSchema: { oneOf: [{ type: 'null' }, object] },
        annotations: object,
        risk_level: {
          enum: ['LOW', 'MEDIUM', 'HIGH'],
          description: 'HIGH: command execution or several capabilities; MEDIUM: one capability (file writing, network egress, a write to another system) or destructiveHint; else LOW.',
        },
        risk_reasons: strings,
        capabilities: { type: 'array', items: { enum: ['command-execution', 'file-write', 'network-egress', 'remote-write'] } },
        flags: { $ref: '#/definitions/toolFlags' },
        nameSignals: signals,
        descriptionSignals: signals,
        shadows: {
          ...strings,
          description:
            'Tools of other servers in this input with the same or a look-alike name, as "server/name": an agent given both may call one for the other (shadowing). Empty for most tools; at most 50 entries, then "… N more".',
        },
      },
    },
    prompt: {
      type: 'object',
      additionalProperties: false,
      required: ['server', 'name', 'title', 'description', 'hasDescription', 'arguments', 'digest', 'flags', 'nameSignals', 'descriptionSignals'],
      properties: {
        server: str,
        name: str,
        title: str,
        description: str,
        hasDescription: bool,
        arguments: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'description', 'required'],
            properties: { name: str, description: str, required: bool },
          },
        },
        digest: str,
        flags: { $ref: '#/definitions/flags' },
        nameSignals: signals,
        descriptionSignals: signals,
      },
    },
    resource: {
      type: 'object',
      additionalProperties: false,
      required: ['server', 'uri', 'name', 'title', 'description', 'mimeType', 'scheme', 'address', 'internal', 'traversal', 'digest', 'descriptionSignals'],
      properties: { server: str, uri: str, name: str, title: str, description: str, mimeType: str, ...address, digest: str, descriptionSignals: signals },
    },
    template: {
      type: 'object',
      additionalProperties: false,
      required: [
        'server',
        'uriTemplate',
        'name',
        'title',
        'description',
        'mimeType',
        'scheme',
        'address',
        'internal',
        'traversal',
        'digest',
        'templateHash',
        'descriptionSignals',
      ],
      properties: {
        server: str,
        uriTemplate: str,
        name: str,
        title: str,
        description: str,
        mimeType: str,
        ...address,
        digest: str,
        templateHash: { type: 'string', description: 'MCPTrust name for the digest.' },
        descriptionSignals: signals,
      },
    },
    change: {
      type: 'object',
      additionalProperties: false,
      required: ['server', 'kind', 'name', 'change', 'severity', 'breaking', 'reasons', 'type', 'id', 'message'],
      properties: {
        server: str,
        kind: { enum: ['tool', 'prompt', 'resource', 'resourceTemplate', 'server'] },
        name: str,
        change: { enum: ['added', 'removed', 'modified'] },
        severity,
        breaking: bool,
        reasons: strings,
        type: { type: 'string', description: 'MCPTrust alias of kind.' },
        id: { type: 'string', description: 'MCPTrust alias of name.' },
        message: { type: 'string', description: 'The reasons joined with "; ".' },
      },
    },
  },
} as const;
