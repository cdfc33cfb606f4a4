import { builtin, command, type CommandSpec, type GroupSpec, type OptionSpec } from './grammar.js';

/**
 * Every `meta` command, declared once: parsing, help, completion and suggestions read this table.
 * It is data plus one lazy import per command, so loading it costs well under a millisecond;
 * a command's code is loaded only once the parser has chosen it.
 */

/** Options every command takes, before or after the command words. */
export const GLOBAL_OPTIONS = {
  repo: { type: 'string', placeholder: 'dir', complete: 'dir', describe: 'meta repository (default: $META_REPO, else the current directory)' },
  json: { type: 'boolean', describe: 'machine-readable output on stdout; errors as {"error":{code,message,data}} on stderr' },
  actor: { type: 'string', placeholder: 'who', describe: 'who writes (default: $META_ACTOR, else git user.name <user.email>)' },
  'no-color': { type: 'boolean', describe: 'no colours, progress lines or other terminal control sequences (also $NO_COLOR, and whenever stdout is not a terminal)' },
  help: { type: 'boolean', aliases: ['h'], describe: 'show help for the command' },
} as const satisfies Record<string, OptionSpec>;

/** Accepted only before any command word: `meta --version`. Subcommands keep their own --version. */
export const ROOT_OPTIONS = {
  version: { type: 'boolean', describe: "print meta's version (`meta version --json` adds the record schema version)" },
} as const satisfies Record<string, OptionSpec>;

const push = { type: 'boolean', negatable: true, describe: "append on the remote's tip and push it, re-planning when another writer won; --no-push keeps the write local (default: 'push:' in meta.yaml)" } as const satisfies OptionSpec;
const at = (describe = 'commit, ref or ISO-8601 date (default: the tip)') => ({ type: 'string', format: 'at', placeholder: 'commit|ref|date', describe }) as const satisfies OptionSpec;
const label = { type: 'array', placeholder: 'key=value', describe: 'key=value (repeatable)' } as const satisfies OptionSpec;
const identity = { type: 'array', aliases: ['i'], placeholder: 'file', complete: 'file', describe: 'age key file (repeatable); then $SOPS_AGE_KEY, $SOPS_AGE_KEY_FILE, ~/.config/sops/age/keys.txt' } as const satisfies OptionSpec;
const format = (describe: string) => ({ type: 'string', choices: ['yaml', 'json', 'dotenv', 'binary'], describe }) as const satisfies OptionSpec;

export const GROUPS: readonly GroupSpec[] = [
  { name: 'project', describe: 'projects (org/repo[/sub])' },
  { name: 'release', describe: 'releases: every source repo@commit' },
  { name: 'binary', describe: 'binaries per platform' },
  { name: 'channel', describe: 'promote, roll back, inspect channels' },
  { name: 'resolve', describe: 'answer "what runs where" and "where did this binary come from"' },
  { name: 'secret', describe: 'SOPS + age secrets per environment (append-only versions)' },
  { name: 'keys', describe: 'age keys and the recipients of each environment' },
  { name: 'instance', describe: 'instance reports (what a host runs)' },
  { name: 'event', describe: 'free-form typed events in the log' },
  { name: 'hooks', describe: 'webhooks and repository hooks' },
  { name: 'remote', describe: 'remotes (smart HTTP)' },
  { name: 'env', describe: 'declared environments (and personal dev/<developer> ones)' },
  { name: 'settings', describe: "meta.yaml's settings: read, set, unset, replace (validated, committed)" },
  { name: 'token', describe: 'bearer tokens of meta serve (stored in meta.yaml by sha256)' },
  { name: 'pipeline', describe: 'pipelines: stages, gates, promotions through them, their status' },
  { name: 'verification', describe: 'checks that ran outside boot-meta (CI), for verification gates' },
];

export const COMMANDS: readonly CommandSpec[] = [
  command({
    path: ['init'],
    describe: 'create a meta repository (bare git repository) from meta-template/',
    positionals: [{ name: 'dir', complete: 'dir', describe: 'where to create it (default: --repo, $META_REPO, or the current directory)' }],
    options: {
      env: { type: 'array', describe: 'environments (repeatable; default: dev staging prod)' },
      channel: { type: 'array', describe: 'channels listed in meta.yaml (repeatable; default: stable beta)' },
      age: { type: 'array', placeholder: 'env=age1…', describe: "age recipient of an environment's secrets in .sops.yaml, as <env>=<age1…> (repeatable)" },
    },
    load: () => import('./commands/init.js'),
  }),

  command({
    path: ['project', 'add'],
    describe: 'add a project (org/repo[/sub])',
    positionals: [{ name: 'name', required: true }],
    options: {
      push,
      'repo-url': { type: 'string', required: true, placeholder: 'url', describe: 'where the source lives' },
      'main-path': { type: 'string', placeholder: 'path', describe: 'path of the project inside its repository' },
      owner: { type: 'array', describe: 'owner (repeatable)' },
      description: { type: 'string' },
      label,
    },
    load: () => import('./commands/projectAdd.js'),
  }),
  command({
    path: ['project', 'ls'],
    describe: 'list projects',
    options: { at: at() },
    load: () => import('./commands/projectLs.js'),
  }),

  command({
    path: ['release', 'record'],
    describe: 'record a release: every source repository and commit it was built from',
    positionals: [{ name: 'project', required: true }],
    options: {
      push,
      version: { type: 'string', required: true, describe: 'release id, unique per project' },
      source: { type: 'array', required: true, placeholder: 'url@commit[#path]', describe: '<url>@<full commit hash>[#<path>] (repeat for every repository)' },
      import: { type: 'array', placeholder: 'module@version', describe: '<module>@<version or release githash> (repeatable)' },
      notes: { type: 'string' },
      label,
    },
    hot: true,
    examples: ['meta release record acme/app --version 1.4.2 --source https://github.com/acme/app@<40-hex commit>'],
    load: () => import('./commands/releaseRecord.js'),
  }),
  command({
    path: ['release', 'yank'],
    describe: 'withdraw a release on every channel: it cannot be promoted again; channels running it still resolve to it, flagged',
    positionals: [{ name: 'project', required: true }, { name: 'version', required: true }],
    options: {
      push,
      reason: { type: 'string', required: true, describe: 'why (shown by resolve, channel show and to followers)' },
    },
    examples: ["meta release yank acme/app 1.4.2 --reason 'corrupts the cache'"],
    load: () => import('./commands/releaseYank.js'),
  }),
  command({
    path: ['release', 'show'],
    describe: 'a release: sources, imports, binaries, yank, and where its record lives',
    positionals: [{ name: 'project', required: true }, { name: 'version', required: true }],
    options: {
      at: at(),
      path: { type: 'boolean', describe: "print only the record's path (for git show <commit>:<path>)" },
    },
    load: () => import('./commands/releaseShow.js'),
  }),
  command({
    path: ['release', 'importers'],
    describe: 'the releases that import a module (the reverse of --import)',
    positionals: [{ name: 'module', required: true, describe: 'the module as releases name it in --import <module>@…' }],
    options: {
      version: { type: 'string', describe: 'only imports of this version or release githash' },
      at: at(),
    },
    load: () => import('./commands/releaseImporters.js'),
  }),

  command({
    path: ['binary', 'record'],
    describe: 'record a binary of a release for one platform',
    positionals: [{ name: 'project', required: true }, { name: 'version', required: true }],
    options: {
      push,
      platform: { type: 'string', required: true, placeholder: 'os/arch', describe: 'os/arch[/variant], e.g. linux/amd64' },
      file: { type: 'string', complete: 'file', describe: 'the binary: digest and size are computed by streaming it' },
      digest: { type: 'string', placeholder: 'sha256:hex', describe: 'sha256:<hex> (with --size, instead of --file)' },
      size: { type: 'number', integer: true, placeholder: 'bytes', describe: 'bytes (with --digest)' },
      url: { type: 'array', required: true, describe: 'immutable location (repeatable)' },
      'media-type': { type: 'string' },
      label,
    },
    hot: true,
    load: () => import('./commands/binaryRecord.js'),
  }),

  command({
    path: ['channel', 'promote'],
    describe: 'make a release live on a channel (appends the next promotion record)',
    positionals: [{ name: 'project', required: true }, { name: 'channel', required: true }, { name: 'version', required: true }],
    options: {
      push,
      expect: { type: 'string', placeholder: 'version|none', describe: "the version that must be live now, or 'none' (else exit 4, nothing written)" },
      reason: { type: 'string' },
      'require-binaries': { type: 'boolean', describe: 'refuse a release that has no binaries (default: warn)' },
      force: { type: 'boolean', describe: 'promote although the channel is on hold' },
    },
    hot: true,
    examples: ['meta channel promote acme/app stable 1.4.2 --expect 1.4.1'],
    load: () => import('./commands/channelPromote.js'),
  }),
  command({
    path: ['channel', 'rollback'],
    describe: 'roll a channel back (default: undo the last promotion); appends a record',
    positionals: [{ name: 'project', required: true }, { name: 'channel', required: true }],
    options: {
      push,
      to: { type: 'string', placeholder: 'version', describe: 'the release to return to' },
      expect: { type: 'string', placeholder: 'version', describe: 'the version that must be live now' },
      reason: { type: 'string' },
      force: { type: 'boolean', describe: 'roll back although the channel is on hold' },
    },
    load: () => import('./commands/channelRollback.js'),
  }),
  command({
    path: ['channel', 'hold'],
    describe: 'freeze a channel: promotions and rollbacks are refused (exit 5) until unhold, unless --force',
    positionals: [{ name: 'project', required: true }, { name: 'channel', required: true }],
    options: {
      push,
      reason: { type: 'string', required: true, describe: 'why (channel show and every refusal repeat it)' },
    },
    examples: ["meta channel hold acme/app stable --reason 'release freeze'"],
    load: () => import('./commands/channelHold.js'),
  }),
  command({
    path: ['channel', 'unhold'],
    describe: "release a channel's hold",
    positionals: [{ name: 'project', required: true }, { name: 'channel', required: true }],
    options: { push, reason: { type: 'string' } },
    load: () => import('./commands/channelUnhold.js'),
  }),
  command({
    path: ['channel', 'show'],
    describe: 'what is live on a channel (at a commit, ref or date)',
    positionals: [{ name: 'project', required: true }, { name: 'channel', required: true }],
    options: { at: at() },
    hot: true,
    load: () => import('./commands/channelShow.js'),
  }),
  command({
    path: ['channel', 'history'],
    describe: 'every record a channel ever had: sequence, action, release, commit, time, actor, reason',
    positionals: [{ name: 'project', required: true }, { name: 'channel', required: true }],
    options: { at: at() },
    hot: true,
    load: () => import('./commands/channelHistory.js'),
  }),
  command({
    path: ['channel', 'ls'],
    describe: "a project's channels and what is live on each",
    positionals: [{ name: 'project', required: true }],
    options: { at: at() },
    load: () => import('./commands/channelLs.js'),
  }),

  command({
    path: ['resolve', 'binary'],
    describe: 'what to run: channel → release → binary for a platform, at one commit',
    positionals: [{ name: 'project', required: true }],
    options: {
      channel: { type: 'string', required: true },
      platform: { type: 'string', required: true, placeholder: 'os/arch', describe: 'os/arch[/variant]' },
      at: at(),
    },
    hot: true,
    examples: ['meta resolve binary acme/app --channel stable --platform linux/amd64 --json'],
    load: () => import('./commands/resolveBinary.js'),
  }),
  command({
    path: ['resolve', 'source'],
    describe: 'the way back from a binary: digest → project, release, platform, every source repo@commit',
    positionals: [{ name: 'digest', required: true, describe: 'sha256:<hex>' }],
    options: { at: at() },
    hot: true,
    load: () => import('./commands/resolveSource.js'),
  }),

  command({
    path: ['diff'],
    describe: 'what changed on a channel between two commits, refs or dates',
    positionals: [
      { name: 'project', required: true },
      { name: 'channel', required: true },
      { name: 'from', required: true, format: 'at', describe: 'commit, ref or ISO-8601 date' },
      { name: 'to', required: true, format: 'at', describe: 'commit, ref or ISO-8601 date' },
    ],
    load: () => import('./commands/diff.js'),
  }),
  command({
    path: ['show'],
    describe: 'decode a record by path or githash (--raw-stdin: decode bytes on stdin, for git textconv)',
    positionals: [{ name: 'target', describe: 'a record path or its githash (with --raw-stdin: a file to decode)' }],
    options: {
      at: at('commit, ref or ISO-8601 date (for a path)'),
      'raw-stdin': { type: 'boolean', describe: 'decode the record bytes given on stdin (or the file named by target)' },
    },
    load: () => import('./commands/show.js'),
  }),
  command({
    path: ['log'],
    describe: 'history, newest first',
    options: {
      project: { type: 'string' },
      kind: { type: 'string', describe: 'project, release, binary, promotion, instance, event, yank, secret, setting' },
      n: { type: 'number', integer: true, placeholder: 'N', describe: 'at most N commits' },
    },
    load: () => import('./commands/log.js'),
  }),

  command({
    path: ['secret', 'set'],
    describe: 'write a new version of <env>/<name>: key=value pairs, --file <file> or --file - (stdin, keeps values out of shell history)',
    positionals: [
      { name: 'secret', required: true, describe: '<env>/<name>, e.g. prod/db or dev/alice/db (a personal environment); the name alone with --env' },
      { name: 'pairs', variadic: true, describe: 'key=value (visible in shell history and ps: prefer --file -)' },
    ],
    options: {
      env: { type: 'string', placeholder: 'env', describe: 'the environment (prod, or a personal dev/alice); then <secret> is the name alone' },
      push,
      file: { type: 'string', complete: 'file', describe: 'plaintext YAML/JSON/dotenv whose top-level keys are set, or any file for a binary secret; - reads stdin' },
      unset: { type: 'array', placeholder: 'key', describe: 'remove a top-level key (repeatable)' },
      replace: { type: 'boolean', describe: 'start from an empty secret instead of the newest version (needs no identity)' },
      format: format('format of a new secret and of --file - (default: from the --file name, else yaml)'),
      identity,
    },
    load: () => import('./commands/secretSet.js'),
  }),
  command({
    path: ['secret', 'get'],
    describe: 'decrypt the newest version of <env>/<name> (MAC checked; exit 6 if tampered, 10 if no key matches)',
    positionals: [{ name: 'secret', required: true, describe: '<env>/<name>' }],
    options: {
      env: { type: 'string', placeholder: 'env', describe: 'the environment (prod, or a personal dev/alice); then <secret> is the name alone' },
      key: { type: 'string', describe: "print only this key's value" },
      at: at(),
      version: { type: 'number', integer: true, placeholder: 'N', describe: 'a version number (default: the newest)' },
      out: { type: 'string', complete: 'file', placeholder: 'file', describe: 'write the plaintext to this file (mode 0600) instead of stdout' },
      identity,
    },
    load: () => import('./commands/secretGet.js'),
  }),
  command({
    path: ['secret', 'ls'],
    describe: 'list secrets (names, versions, who/when; never values); <env>/<name> lists every version of one secret',
    positionals: [{ name: 'target', describe: 'an environment, or <env>/<name> for its history' }],
    options: { at: at() },
    load: () => import('./commands/secretLs.js'),
  }),
  command({
    path: ['secret', 'rotate'],
    describe: 'write a new version of <env>/<name> with a new data key, for the current recipients',
    positionals: [{ name: 'secret', required: true, describe: '<env>/<name>' }],
    options: {
      push,
      identity,
      env: { type: 'string', placeholder: 'env', describe: 'the environment (prod, or a personal dev/alice); then <secret> is the name alone' },
    },
    load: () => import('./commands/secretRotate.js'),
  }),
  command({
    path: ['secret', 'updatekeys'],
    describe: 're-encrypt the newest version of every secret for the recipients .sops.yaml lists now (new versions; a removed recipient also rotates the data key)',
    positionals: [{ name: 'env', describe: 'one environment (default: all)' }],
    options: { push, identity },
    load: () => import('./commands/secretUpdatekeys.js'),
  }),
  command({
    path: ['secret', 'decrypt'],
    describe: 'decrypt any SOPS file outside the repository (like sops -d); - reads stdin',
    positionals: [{ name: 'file', required: true, complete: 'file' }],
    options: {
      out: { type: 'string', complete: 'file', placeholder: 'file', describe: 'write the plaintext here (mode 0600) instead of stdout' },
      format: format('file format (default: from the file name; yaml for stdin)'),
      identity,
    },
    load: () => import('./commands/secretDecrypt.js'),
  }),
  command({
    path: ['secret', 'encrypt'],
    describe: 'encrypt any file outside the repository as SOPS (like sops -e); - reads stdin',
    positionals: [{ name: 'file', required: true, complete: 'file' }],
    options: {
      age: { type: 'array', placeholder: 'age1…', describe: 'age recipient (repeatable; default: the nearest .sops.yaml rule for the file)' },
      out: { type: 'string', complete: 'file', placeholder: 'file', describe: 'write the encrypted file here instead of stdout' },
      format: format('file format (default: from the file name; yaml for stdin)'),
    },
    load: () => import('./commands/secretEncrypt.js'),
  }),

  command({
    path: ['keys', 'generate'],
    describe: 'create an age X25519 key: writes the identity to --out (mode 0600, never overwritten), prints the recipient',
    options: {
      out: { type: 'string', complete: 'file', placeholder: 'file', describe: 'key file to create (e.g. ~/.config/sops/age/keys.txt); without it the key file goes to stdout, which must not be a terminal' },
    },
    load: () => import('./commands/keysGenerate.js'),
  }),
  command({
    path: ['keys', 'add-recipient'],
    describe: 'add an age recipient to an environment in .sops.yaml (a new version of it)',
    positionals: [{ name: 'env', required: true }, { name: 'recipient', required: true, describe: 'age1… (X25519)' }],
    options: { push },
    load: () => import('./commands/keysAddRecipient.js'),
  }),
  command({
    path: ['keys', 'remove-recipient'],
    describe: 'remove an age recipient from an environment in .sops.yaml (a new version of it)',
    positionals: [{ name: 'env', required: true }, { name: 'recipient', required: true, describe: 'age1…' }],
    options: { push },
    load: () => import('./commands/keysRemoveRecipient.js'),
  }),
  command({
    path: ['keys', 'ls'],
    describe: 'list the age recipients of each environment (from .sops.yaml)',
    positionals: [{ name: 'env' }],
    options: { at: at() },
    load: () => import('./commands/keysLs.js'),
  }),

  // Declared names and settings: each a validated commit of meta.yaml.
  command({
    path: ['channel', 'add'],
    describe: 'declare a channel in meta.yaml (promotions name only declared channels)',
    positionals: [{ name: 'name', required: true }],
    options: { push },
    examples: ['meta channel add canary'],
    load: () => import('./commands/channelAdd.js'),
  }),
  command({
    path: ['env', 'add'],
    describe: "declare an environment, or a developer's personal one (dev/alice), in meta.yaml",
    positionals: [{ name: 'name', required: true, describe: '<env> or <env>/<developer>' }],
    options: { push },
    examples: ['meta env add qa', 'meta env add dev/alice'],
    load: () => import('./commands/envAdd.js'),
  }),
  command({
    path: ['settings', 'get'],
    describe: 'print meta.yaml (or one setting, by dotted key: push, serve.tokens, webhooks.0.url)',
    positionals: [{ name: 'key', describe: 'dotted key; a number indexes a list' }],
    options: { at: at() },
    load: () => import('./commands/settingsGet.js'),
  }),
  command({
    path: ['settings', 'set'],
    describe: 'set one setting to a YAML value; the whole meta.yaml is validated before it is committed',
    positionals: [{ name: 'key', required: true, describe: 'dotted key, e.g. push or webhooks.0.url' }, { name: 'value', required: true, describe: "a YAML value, e.g. true, '[stable, beta]', '{name: deploys, url: https://…}'" }],
    options: { push },
    examples: ['meta settings set push true', "meta settings set webhooks '[{name: deploys, url: https://hooks.example.com/meta}]'", 'meta settings set webhooks.0.url https://hooks.example.com/v2'],
    load: () => import('./commands/settingsSet.js'),
  }),
  command({
    path: ['settings', 'unset'],
    describe: 'remove one setting (or list item) from meta.yaml, validated before it is committed',
    positionals: [{ name: 'key', required: true, describe: 'dotted key, e.g. webhooks.1' }],
    options: { push },
    load: () => import('./commands/settingsUnset.js'),
  }),
  command({
    path: ['settings', 'edit'],
    describe: 'replace meta.yaml with a file (or - for stdin), validated before it is committed',
    options: {
      push,
      file: { type: 'string', required: true, complete: 'file', placeholder: 'file', describe: 'the new meta.yaml (start from `meta settings get`); - reads stdin' },
    },
    examples: ['meta settings get > meta.yaml && $EDITOR meta.yaml && meta settings edit --file meta.yaml'],
    load: () => import('./commands/settingsEdit.js'),
  }),
  command({
    path: ['token', 'add'],
    describe: 'create a random bearer token for meta serve: prints it once, stores only its sha256 in meta.yaml',
    positionals: [{ name: 'name', required: true, describe: 'writes through the token are made by token:<name>' }],
    options: {
      push,
      scope: { type: 'array', choices: ['records', 'reports'], describe: 'what it may do (repeatable; default: both)' },
    },
    examples: ['meta token add ci --scope records', 'meta token add fleet --scope reports'],
    load: () => import('./commands/tokenAdd.js'),
  }),
  command({
    path: ['token', 'remove'],
    describe: 'remove a bearer token from meta.yaml (meta serve refuses it from that commit on)',
    positionals: [{ name: 'name', required: true }],
    options: { push },
    load: () => import('./commands/tokenRemove.js'),
  }),

  command({
    path: ['serve'],
    describe: 'HTTP API: resolve/download for servers, events (SSE), records and reports in (bearer tokens), webhooks out',
    options: {
      listen: { type: 'string', default: '127.0.0.1:8080', placeholder: 'host:port', describe: 'host:port (port 0: any free port; the URL is printed)' },
      remote: { type: 'string', placeholder: 'url', describe: 'serve a clone of this git remote (kept in --repo, cloned when empty), fetched every --fetch-interval seconds; writes are pushed before they are answered' },
      'fetch-interval': { type: 'number', default: 10, placeholder: 'seconds', describe: 'seconds between fetches of --remote' },
      'max-body': { type: 'number', integer: true, default: 1 << 20, placeholder: 'bytes', describe: 'largest request body in bytes' },
      'max-wait': { type: 'number', default: 60, placeholder: 'seconds', describe: 'longest long-poll (?wait=) in seconds' },
      webhooks: { type: 'boolean', default: true, describe: 'deliver the webhooks listed in meta.yaml (--no-webhooks: do not)' },
      'webhook-state-dir': { type: 'string', complete: 'dir', placeholder: 'dir', describe: 'webhook cursors and delivery logs (default <gitdir>/meta-webhooks)' },
      'webhook-backoff-ms': { type: 'number', integer: true, default: 1000, placeholder: 'ms', describe: 'first retry delay of a failed delivery (doubles per attempt, up to 5 min)' },
      'allow-private-webhooks': { type: 'boolean', default: false, describe: 'deliver webhooks to loopback, private and link-local addresses too (refused by default: meta.yaml is writable by every writer)' },
      fsync: { type: 'boolean', default: true, describe: 'fsync objects before answering a write (--no-fsync: ref only)' },
    },
    load: () => import('./commands/serve.js'),
  }),
  command({
    path: ['follow'],
    describe: 'the server agent: on every channel change resolve, download, verify, install atomically, run the hook, report',
    positionals: [{ name: 'project', required: true }],
    options: {
      channel: { type: 'string', required: true },
      platform: { type: 'string', required: true, placeholder: 'os/arch', describe: 'os/arch[/variant]' },
      'install-dir': { type: 'string', required: true, complete: 'dir', placeholder: 'dir', describe: 'releases/<version>/ and the current symlink go here' },
      exec: { type: 'string', placeholder: 'command', describe: 'hook run after each install (sh -c; META_VERSION, META_BINARY… set); failure switches back' },
      report: { type: 'boolean', describe: 'report each install (InstanceReport) to the server or repository' },
      host: { type: 'string', describe: 'host name in reports (default: this host)' },
      env: { type: 'string', describe: 'environment in reports (default: $META_ENV, else prod)' },
      server: { type: 'string', placeholder: 'url', describe: 'follow a meta serve (event stream + resolve API)' },
      remote: { type: 'string', placeholder: 'url', describe: 'follow a git remote, fetched every --fetch-interval seconds into a clone (--repo, default <install-dir>/.meta-repo); reports are pushed' },
      'fetch-interval': { type: 'number', default: 10, placeholder: 'seconds' },
      'token-env': { type: 'string', default: 'META_TOKEN', placeholder: 'name', describe: 'environment variable holding the bearer token for reports to --server' },
      'binary-name': { type: 'string', placeholder: 'name', describe: 'file name of the installed binary (default: last segment of the project)' },
      once: { type: 'boolean', describe: 'resolve once, install if needed, exit' },
      'max-iterations': { type: 'number', integer: true, placeholder: 'N', describe: 'exit after this many install attempts' },
      timeout: { type: 'number', placeholder: 'seconds', describe: 'exit after this many seconds' },
      recheck: { type: 'number', default: 60, placeholder: 'seconds', describe: 'resolve at least every N seconds even without a change signal' },
    },
    load: () => import('./commands/follow.js'),
  }),
  command({
    path: ['watch'],
    describe: 'print events as they happen (local repository, a meta serve, or a remote)',
    positionals: [{ name: 'project', describe: 'only this project' }],
    options: {
      channel: { type: 'string', describe: 'only this channel (for channel events)' },
      types: { type: 'array', describe: 'event types or prefixes (channel.*, release.recorded, …; repeatable or comma-separated)' },
      since: { type: 'string', placeholder: 'commit', describe: 'replay from after this commit (default: only new events)' },
      server: { type: 'string', placeholder: 'url', describe: 'the URL of a meta serve: read its event stream' },
      remote: { type: 'string', placeholder: 'url', describe: 'a git remote: fetched every --fetch-interval seconds into a clone (--repo, default a cache dir under the temp dir)' },
      'fetch-interval': { type: 'number', default: 10, placeholder: 'seconds' },
      'max-events': { type: 'number', integer: true, placeholder: 'N', describe: 'exit after printing this many events' },
      timeout: { type: 'number', placeholder: 'seconds', describe: 'exit after this many seconds' },
    },
    load: () => import('./commands/watch.js'),
  }),
  command({
    path: ['instances'],
    describe: 'the fleet joined with desired state: per channel how many hosts run the live release, who lags and why',
    positionals: [{ name: 'project', required: true }],
    options: {
      env: { type: 'string', describe: 'only hosts of this environment' },
      at: at(),
      hosts: { type: 'boolean', describe: 'also list every host' },
    },
    load: () => import('./commands/instances.js'),
  }),
  command({
    path: ['instance', 'report'],
    describe: 'append an InstanceReport by hand (what a host runs)',
    positionals: [{ name: 'project', required: true }],
    options: {
      push,
      host: { type: 'string', required: true },
      env: { type: 'string', required: true, describe: 'environment of the host' },
      status: { type: 'string', required: true, choices: ['installing', 'running', 'failed'] },
      channel: { type: 'string' },
      version: { type: 'string', describe: 'release the host runs (or failed to install)' },
      digest: { type: 'string', placeholder: 'sha256:hex', describe: 'sha256:<hex> of the binary it runs' },
      platform: { type: 'string', placeholder: 'os/arch', describe: 'os/arch[/variant]' },
      'meta-commit': { type: 'string', placeholder: 'commit', describe: 'the meta commit the host resolved at' },
      message: { type: 'string' },
      label,
    },
    load: () => import('./commands/instanceReport.js'),
  }),
  command({
    path: ['event', 'log'],
    describe: 'append an Event record to the log (meta log, event.logged over SSE and webhooks)',
    positionals: [{ name: 'type', required: true, describe: 'dotted lower-case type, e.g. deploy.started' }],
    options: {
      push,
      project: { type: 'string', describe: 'the project it is about (must exist)' },
      subject: { type: 'string', describe: 'what it is about (a version, a host, a URL…)' },
      message: { type: 'string' },
      attribute: { type: 'array', placeholder: 'key=value', describe: "the event's data, key=value (repeatable)" },
      label,
    },
    examples: ["meta event log gen.completed --project acme/app --message 'clients regenerated' --attribute run=42"],
    load: () => import('./commands/eventLog.js'),
  }),
  command({
    path: ['hooks', 'deliveries'],
    describe: 'the webhook delivery log: every attempt, its status and error',
    options: {
      hook: { type: 'string', placeholder: 'name', describe: 'only this webhook (its name in meta.yaml)' },
      limit: { type: 'number', integer: true, default: 50, placeholder: 'N', describe: 'the newest N attempts' },
      failed: { type: 'boolean', describe: 'only failed attempts' },
      'state-dir': { type: 'string', complete: 'dir', placeholder: 'dir', describe: 'webhook state directory (default <gitdir>/meta-webhooks)' },
    },
    load: () => import('./commands/hooksDeliveries.js'),
  }),
  command({
    path: ['hooks', 'install'],
    describe: "install the append-only pre-receive hook into a server's bare repository",
    positionals: [{ name: 'dir', required: true, complete: 'dir', describe: 'the bare repository on the git server' }],
    load: () => import('./commands/hooksInstall.js'),
  }),

  command({
    path: ['clone'],
    describe: 'clone a meta repository over smart HTTP into a new bare repository',
    positionals: [
      { name: 'url', required: true, describe: 'http(s) URL; credentials come from $META_GIT_TOKEN etc., never from the stored config' },
      { name: 'dir', required: true, complete: 'dir' },
    ],
    options: {
      depth: { type: 'number', integer: true, placeholder: 'N', describe: 'shallow clone: only the last N commits' },
      remote: { type: 'string', placeholder: 'name', describe: 'remote name (default origin)' },
    },
    hot: true,
    load: () => import('./commands/clone.js'),
  }),
  command({
    path: ['remote', 'add'],
    describe: 'add a remote (credentials in the URL are dropped, never stored)',
    positionals: [{ name: 'name', required: true }, { name: 'url', required: true }],
    load: () => import('./commands/remoteAdd.js'),
  }),
  command({
    path: ['remote', 'ls'],
    describe: 'list remotes',
    load: () => import('./commands/remoteLs.js'),
  }),
  command({
    path: ['pull'],
    describe: 'fetch and fast-forward; refuses a remote whose history was rewritten (exit 7)',
    positionals: [{ name: 'remote', describe: 'remote name (default origin)' }],
    options: {
      'allow-rewrite': { type: 'boolean', describe: 'accept a rewritten remote history (the old tip stays under refs/meta/before-rewrite)' },
    },
    hot: true,
    load: () => import('./commands/pull.js'),
  }),
  command({
    path: ['push'],
    describe: 'push local records; re-applies unpushed commits on the remote tip when it moved',
    positionals: [{ name: 'remote', describe: 'remote name (default origin)' }],
    options: {
      attempts: { type: 'number', integer: true, placeholder: 'N', describe: 'bounded attempts while the remote keeps moving (default 20)' },
    },
    load: () => import('./commands/push.js'),
  }),
  command({
    path: ['verify'],
    describe: 'prove the history is append-only and every record decodes and resolves (exit 6 when not)',
    options: {
      from: { type: 'string', placeholder: 'commit', describe: 'start after this commit (exclusive); default the first commit' },
      to: { type: 'string', placeholder: 'commit', describe: 'end at this commit; default the tip' },
    },
    hot: true,
    load: () => import('./commands/verify.js'),
  }),

  command({
    path: ['pipeline', 'set'],
    describe: "validate a pipeline file and append it as the project's next pipeline version",
    positionals: [{ name: 'project', required: true }],
    options: {
      push,
      file: { type: 'string', required: true, complete: 'file', placeholder: 'pipeline.yaml', describe: 'the pipeline file (README "Pipelines"), - for standard input' },
    },
    examples: ['meta pipeline set acme/app --file pipeline.yaml'],
    load: () => import('./commands/pipelineSet.js'),
  }),
  command({
    path: ['pipeline', 'show'],
    describe: 'the pipeline in force (at a commit, ref or date): its file and version',
    positionals: [{ name: 'project', required: true }],
    options: { at: at() },
    load: () => import('./commands/pipelineShow.js'),
  }),
  command({
    path: ['pipeline', 'status'],
    describe: "per stage: what is live, the candidate, holds, the rollout wave and each gate's state",
    positionals: [{ name: 'project', required: true }],
    options: { at: at() },
    load: () => import('./commands/pipelineStatus.js'),
  }),
  command({
    path: ['pipeline', 'promote'],
    describe: "evaluate a stage's gates now, record them, and promote only when all pass (exit 5 listing the others)",
    positionals: [{ name: 'project', required: true }, { name: 'version', required: true }],
    options: {
      push,
      to: { type: 'string', required: true, placeholder: 'channel', describe: 'the stage to promote into' },
      expect: { type: 'string', placeholder: 'version|none', describe: "the version that must be live now, or 'none' (else exit 4)" },
      force: { type: 'boolean', describe: 'promote although gates did not pass (needs --reason; the record says forced)' },
      reason: { type: 'string' },
      'allow-commands': { type: 'boolean', default: false, describe: "run the pipeline's command gates, validate and on_promote here (whoever writes the pipeline chooses them; off by default)" },
    },
    examples: ['meta pipeline promote acme/app 1.4.2 --to stable', "meta pipeline promote acme/app 1.4.2 --to stable --force --reason 'hotfix, approved by phone'"],
    load: () => import('./commands/pipelinePromote.js'),
  }),
  command({
    path: ['approve'],
    describe: 'approve a release for a channel (an Approval record; approvals gates count distinct actors)',
    positionals: [{ name: 'project', required: true }, { name: 'version', required: true }],
    options: {
      push,
      channel: { type: 'string', required: true },
      comment: { type: 'string' },
    },
    examples: ["meta approve acme/app 1.4.2 --channel stable --comment 'notes reviewed'"],
    load: () => import('./commands/approve.js'),
  }),
  command({
    path: ['verification', 'record'],
    describe: 'record that a check outside boot-meta (CI) passed or failed for a release on a channel',
    positionals: [{ name: 'project', required: true }, { name: 'version', required: true }],
    options: {
      push,
      channel: { type: 'string', required: true },
      name: { type: 'string', required: true, describe: 'the check, as its verification gate names it' },
      status: { type: 'string', required: true, choices: ['passed', 'failed'] },
      url: { type: 'string', describe: 'where to read more (the CI run)' },
      message: { type: 'string' },
    },
    examples: ['meta verification record acme/app 1.4.2 --channel beta --name smoke --status passed --url https://ci.example/runs/81'],
    load: () => import('./commands/verificationRecord.js'),
  }),

  // About the CLI itself; they read this table, so they run from builtins.ts, not a lazy import.
  builtin({
    path: ['help'],
    describe: 'show help for a command, e.g. `meta help channel promote` (--json: its declaration)',
    positionals: [{ name: 'command', variadic: true, describe: 'the command words' }],
    builtin: 'help',
  }),
  builtin({
    path: ['version'],
    describe: "print meta's version (--json: with the record schema version and Node's)",
    builtin: 'version',
  }),
  builtin({
    path: ['completion'],
    describe: 'print a shell completion script (see README "CLI reference" for where to put it)',
    positionals: [{ name: 'shell', required: true, choices: ['bash', 'zsh', 'fish'] }],
    examples: ['source <(meta completion bash)', 'meta completion zsh > "${fpath[1]}/_meta"', 'meta completion fish > ~/.config/fish/completions/meta.fish'],
    builtin: 'completion',
  }),
];
