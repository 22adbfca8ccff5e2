// Deterministic generator of a source-like tree with planted secrets and decoys, for bench.mjs.
// Every key-shaped string is assembled at run time from pieces and random characters, so this file
// itself holds nothing a secret scanner should flag.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const GENERATOR_VERSION = 7;

/** mulberry32: small, fast, deterministic. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (arr) => arr[int(arr.length)];
  const chars = (alphabet, n) => {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[int(alphabet.length)];
    return s;
  };
  return { next, int, pick, chars };
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const B64 = `${ALNUM}+/`;
const B64URL = `${ALNUM}-_`;
const HEX = '0123456789abcdef';

const b64url = (s) => Buffer.from(s).toString('base64url');
const dash = '-----';

/**
 * Secret families: each makes one random secret and the line(s) that hold it. `rules` are the
 * rule ids allowed to report it.
 */
export const FAMILIES = {
  'aws-id': (r) => {
    const v = ['AK', 'IA'].join('') + r.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16);
    return { secret: v, rules: ['aws-access-token'], lines: [r.pick([`aws_access_key_id = ${v}`, `  accessKeyId: "${v}",`, `AWS_ACCESS_KEY_ID=${v}`])] };
  },
  'aws-secret': (r) => {
    const v = r.chars(`${ALNUM}/+`, 40);
    return {
      secret: v,
      rules: ['aws-secret-access-key'],
      lines: [r.pick([`aws_secret_access_key = ${v}`, `  secretAccessKey: "${v}",`, `AWS_SECRET_ACCESS_KEY="${v}"`])],
    };
  },
  github: (r) => {
    const v = r.pick([
      () => ['gh', 'p_'].join('') + r.chars(ALNUM, 36),
      () => ['gh', 'o_'].join('') + r.chars(ALNUM, 36),
      () => ['gh', 's_'].join('') + r.chars(ALNUM, 36),
      () => ['github', '_pat_'].join('') + r.chars(ALNUM, 22) + '_' + r.chars(ALNUM, 59),
    ])();
    return {
      secret: v,
      rules: ['github-pat', 'github-oauth', 'github-app-token', 'github-fine-grained-pat'],
      lines: [r.pick([`const octokit = new Octokit({ auth: "${v}" });`, `GITHUB_TOKEN=${v}`, `    token: '${v}'`])],
    };
  },
  gitlab: (r) => {
    const v = ['gl', 'pat-'].join('') + r.chars(`${ALNUM}_-`, 20);
    return { secret: v, rules: ['gitlab-pat'], lines: [r.pick([`GITLAB_TOKEN=${v}`, `  private_token: "${v}"`])] };
  },
  slack: (r) => {
    if (r.next() < 0.5) {
      const v = ['xo', 'xb-'].join('') + r.chars(DIGITS, 11) + '-' + r.chars(DIGITS, 12) + '-' + r.chars(ALNUM, 24);
      return { secret: v, rules: ['slack-bot-token'], lines: [`SLACK_BOT_TOKEN=${v}`] };
    }
    const v = `https://hooks.${'slack'}.com/services/T${r.chars(UPPER + DIGITS, 8)}/B${r.chars(UPPER + DIGITS, 8)}/${r.chars(ALNUM, 24)}`;
    return { secret: v, rules: ['slack-webhook-url'], lines: [`  webhookUrl: '${v}',`] };
  },
  stripe: (r) => {
    const v = [r.pick(['sk', 'rk']), '_live_'].join('') + r.chars(ALNUM, 24 + r.int(75));
    return { secret: v, rules: ['stripe-access-token'], lines: [r.pick([`stripe.api_key = "${v}"`, `const stripe = new Stripe('${v}');`])] };
  },
  'google-api-key': (r) => {
    const v = ['AI', 'za'].join('') + r.chars(`${ALNUM}_-`, 35);
    return { secret: v, rules: ['gcp-api-key'], lines: [r.pick([`  apiKey: "${v}",`, `GOOGLE_API_KEY=${v}`, `<script src="https://maps.googleapis.com/maps/api/js?key=${v}"></script>`])] };
  },
  openai: (r) => {
    const n = r.pick([58, 74]);
    const v = ['sk-', 'proj-'].join('') + r.chars(`${ALNUM}_-`, n) + ['T3Blbk', 'FJ'].join('') + r.chars(`${ALNUM}_-`, n);
    return { secret: v, rules: ['openai-api-key'], lines: [`OPENAI_API_KEY=${v}`] };
  },
  anthropic: (r) => {
    const v = ['sk-', 'ant-', 'api03-'].join('') + r.chars(`${ALNUM}_-`, 93) + 'AA';
    return { secret: v, rules: ['anthropic-api-key'], lines: [`client = anthropic.Anthropic(api_key="${v}")`] };
  },
  npm: (r) => {
    const v = ['np', 'm_'].join('') + r.chars(ALNUM, 36);
    return { secret: v, rules: ['npm-access-token', 'npm-auth-token'], lines: [`//registry.npmjs.org/:_authToken=${v}`] };
  },
  jwt: (r) => {
    const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = b64url(JSON.stringify({ sub: r.chars(DIGITS, 10), name: r.chars(LOWER, 8), iat: 1700000000 + r.int(1e7) }));
    const v = `${head}.${body}.${r.chars(B64URL, 43)}`;
    return { secret: v, rules: ['jwt'], lines: [r.pick([`Authorization: Bearer ${v}`, `  const session = "${v}";`])] };
  },
  'pem-key': (r) => {
    const kind = r.pick(['RSA ', 'EC ', 'OPENSSH ', '']);
    const body = [];
    for (let i = 0; i < 6 + r.int(20); i++) body.push(r.chars(B64, 64));
    body.push(`${r.chars(B64, 20 + r.int(40))}==`);
    return {
      secret: body.join('\n'),
      rules: ['private-key'],
      lines: [`${dash}BEGIN ${kind}PRIVATE KEY${dash}`, ...body, `${dash}END ${kind}PRIVATE KEY${dash}`],
    };
  },
  'gcp-service-account': (r) => {
    const keyId = r.chars(HEX, 40);
    const body = [];
    for (let i = 0; i < 8; i++) body.push(r.chars(B64, 64));
    const pem = `${dash}BEGIN PRIVATE KEY${dash}\\n${body.join('\\n')}\\n${dash}END PRIVATE KEY${dash}\\n`;
    return {
      secret: keyId,
      rules: ['gcp-service-account-key-id', 'private-key'],
      // Two secrets: the key id (line 2) and the key (line 3): planted as two entries by the caller.
      lines: ['{', '  "type": "service_account",', `  "private_key_id": "${keyId}",`, `  "private_key": "${pem}",`, `  "client_email": "svc@proj-${r.chars(LOWER, 6)}.iam.gserviceaccount.com"`, '}'],
      secrets: [
        { offset: 2, rules: ['gcp-service-account-key-id'] },
        { offset: 3, rules: ['private-key'] },
      ],
    };
  },
  generic: (r) => {
    const v = r.chars(ALNUM, 12) + r.chars(DIGITS, 2) + r.chars('!#%^&*', 1) + r.chars(ALNUM, 9);
    return { secret: v, rules: ['generic-secret'], lines: [r.pick([`DB_PASSWORD="${v}"`, `  client_secret: '${v}',`, `private_key = "${v}"`])] };
  },
};

/**
 * The rules keep gitleaks' entropy gates (an AWS key id needs 3 bits/char, …): about 1 random key in
 * 1000 falls below and is, by design, not reported. Such draws are re-drawn, so that any seed gives
 * a tree where every planted secret must be found.
 */
const MIN_ENTROPY = { 'aws-id': 3.1, 'aws-secret': 4.1, 'google-api-key': 4.1, 'pem-key': 3.6, generic: 3.6 };

export function shannon(s) {
  const counts = new Map();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const k of counts.values()) h -= (k / s.length) * Math.log2(k / s.length);
  return h;
}

/** Things that look like secrets but are documented examples or placeholders: must not be reported. */
export function decoys(r) {
  const awsExampleId = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
  const awsExampleSecret = ['wJalrXUtnFEMI', '/K7MDENG/bPxRfiCY', 'EXAMPLEKEY'].join('');
  const x = (n) => 'x'.repeat(n);
  return r.pick([
    () => [`aws_access_key_id = ${awsExampleId}`, `aws_secret_access_key = ${awsExampleSecret}`],
    () => [`The AWS docs use \`${awsExampleId}\` as the example access key id.`],
    () => [`  accessKeyId: "${['AKIA', 'ZZZZZZZZZ', 'EXAMPLE'].join('')}",`],
    () => [`GITHUB_TOKEN=${['gh', 'p_'].join('')}${x(36)}`],
    () => [`GITHUB_TOKEN=\${GITHUB_TOKEN}`],
    () => ['OPENAI_API_KEY=<your-key>'],
    () => ['api_key = "your_api_key_here"'],
    () => ['  token: "{{ secrets.NPM_TOKEN }}",'],
    () => ['password = "changeme"'],
    () => [`SLACK_BOT_TOKEN=${['xo', 'xb-'].join('')}${x(10)}-${x(12)}-${x(24)}`],
    () => [`STRIPE_KEY=${['sk', '_live_'].join('')}${'0'.repeat(24)}`],
    () => [`  apiKey: "${['AI', 'za'].join('')}${'A'.repeat(35)}",`],
    () => [`//registry.npmjs.org/:_authToken=$${'{'}NPM_TOKEN}`],
    () => [`${dash}BEGIN PRIVATE KEY${dash}`, '...', `${dash}END PRIVATE KEY${dash}`],
    () => [`${dash}BEGIN RSA PRIVATE KEY${dash}`, x(64), x(64), `${dash}END RSA PRIVATE KEY${dash}`],
    () => [`${dash}BEGIN PUBLIC KEY${dash}`, r.chars(B64, 64), r.chars(B64, 64), `${dash}END PUBLIC KEY${dash}`],
    () => ['const secretKey = "my-super-secret-key-for-tests";'],
    () => ['  password: "correct-horse-battery-staple",'],
    () => [`AWS_SECRET_ACCESS_KEY=${'a'.repeat(40)}`],
  ])();
}

// --- source-like text ----------------------------------------------------------------------------

const WORDS =
  'the of and to in is that for it as with was on be by this are from or have an they which one you were her all she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(
    ' ',
  );
const IDENTS =
  'user users config options handler request response error result value values items item index count total data payload context state props node tree list map cache buffer stream event emitter server client session account order invoice product customer message queue worker task job schedule timer logger metrics span trace router route controller service repository model entity schema record field column table query filter sort page limit offset cursor hash digest key keys keyName publicKey certificate retries timeout deadline status code reason path url host port protocol headers body encoding locale timezone format parse render build compile validate normalize serialize deserialize encode decode'.split(
    ' ',
  );
const TYPES = 'string number boolean void unknown Promise<void> Record<string, unknown> Buffer Date Map<string, number> Set<string> Error'.split(' ');

function ident(r) {
  const a = r.pick(IDENTS);
  if (r.next() < 0.5) return a;
  const b = r.pick(IDENTS);
  return a + b[0].toUpperCase() + b.slice(1);
}

function sentence(r, min, max) {
  const n = min + r.int(max - min + 1);
  const w = [];
  for (let i = 0; i < n; i++) w.push(r.next() < 0.15 ? ident(r) : r.pick(WORDS));
  const s = w.join(' ');
  return s[0].toUpperCase() + s.slice(1);
}

const TS_LINES = [
  (r) => `import { ${ident(r)}, ${ident(r)} } from './${r.pick(IDENTS)}.js';`,
  (r) => `export function ${ident(r)}(${ident(r)}: ${r.pick(TYPES)}, ${ident(r)}?: ${r.pick(TYPES)}): ${r.pick(TYPES)} {`,
  (r) => `  const ${ident(r)} = await this.${ident(r)}.${ident(r)}(${ident(r)}, { ${ident(r)}: ${r.int(1000)} });`,
  (r) => `  if (!${ident(r)}) throw new Error(\`${sentence(r, 3, 8).toLowerCase()}: \${${ident(r)}}\`);`,
  (r) => `  // ${sentence(r, 5, 14)}.`,
  (r) => `  return ${ident(r)}.${r.pick(['map', 'filter', 'reduce', 'find', 'some'])}((${r.pick(['x', 'item', 'entry'])}) => ${r.pick(['x', 'item', 'entry'])}.${ident(r)} ${r.pick(['===', '!==', '>=', '<'])} ${r.int(100)});`,
  (r) => `  ${ident(r)}: ${r.pick(TYPES)};`,
  (r) => `  ${ident(r)}.${ident(r)} = '${sentence(r, 1, 4).toLowerCase()}';`,
  () => '}',
  () => '',
  (r) => `const ${ident(r)} = process.env.${ident(r).toUpperCase()} ?? '${r.pick(IDENTS)}';`,
  (r) => `  for (const ${r.pick(['x', 'item', 'key'])} of ${ident(r)}) ${ident(r)}.push(${r.pick(['x', 'item', 'key'])});`,
];
const PY_LINES = [
  (r) => `def ${ident(r)}(self, ${ident(r)}, ${ident(r)}=None):`,
  (r) => `    ${ident(r)} = self.${ident(r)}.get(${ident(r)}, ${r.int(100)})`,
  (r) => `    # ${sentence(r, 4, 12)}`,
  (r) => `    return [${r.pick(['x', 'k'])} for ${r.pick(['x', 'k'])} in ${ident(r)} if ${r.pick(['x', 'k'])}]`,
  (r) => `class ${ident(r)[0].toUpperCase()}${ident(r).slice(1)}(${r.pick(['object', 'BaseModel', 'Exception'])}):`,
  () => '',
  (r) => `import ${r.pick(['os', 'sys', 'json', 're', 'logging', 'typing'])}`,
];
const MD_LINES = [
  (r) => `## ${sentence(r, 2, 6)}`,
  (r) => sentence(r, 12, 30) + '.',
  (r) => `- ${sentence(r, 4, 12)} (\`${ident(r)}\`).`,
  () => '',
  (r) => `See [${sentence(r, 1, 3)}](https://example.com/${r.pick(IDENTS)}/${r.pick(IDENTS)}) for details.`,
];
const JSON_LINES = [
  (r) => `  "${ident(r)}": "${sentence(r, 1, 5).toLowerCase()}",`,
  (r) => `  "${ident(r)}": ${r.int(100000)},`,
  (r) => `  "${ident(r)}": ${r.pick(['true', 'false', 'null'])},`,
  (r) => `  "${ident(r)}": ["${r.pick(IDENTS)}", "${r.pick(IDENTS)}"],`,
];
const YAML_LINES = [
  (r) => `${ident(r)}: ${sentence(r, 1, 4).toLowerCase()}`,
  (r) => `  ${ident(r)}: ${r.int(1000)}`,
  (r) => `  - name: ${r.pick(IDENTS)}`,
  (r) => `    env: ${ident(r).toUpperCase()}`,
];
// Lines that mention tokens, secrets, passwords and keys without holding one. In a sample of real
// JavaScript/TypeScript/Markdown (node_modules), about 1% of lines contain such a word; the tree
// uses about 3%, to stay on the pessimistic side for a keyword prefilter.
const SECURITY_LINES = [
  (r) => `  const token = await ${ident(r)}.getToken(${ident(r)});`,
  (r) => `  password: z.string().min(${8 + r.int(8)}),`,
  (r) => `  apiKey: process.env.${r.pick(['API_KEY', 'OPENAI_API_KEY', 'SERVICE_KEY'])},`,
  (r) => `  if (!secret) throw new Error('missing secret for ${r.pick(IDENTS)}');`,
  (r) => `    token = os.environ.get("${ident(r).toUpperCase()}_TOKEN")`,
  () => `    token: $${'{'}{ secrets.DEPLOY_TOKEN }}`,
  (r) => `// Rotate the access_key of ${r.pick(IDENTS)} every ${r.int(90)} days; never log the secret.`,
  (r) => `  const ${r.pick(['accessToken', 'refreshToken', 'idToken', 'csrfToken'])} = ${ident(r)}.${r.pick(['headers', 'cookies', 'session'])}.get('${r.pick(['authorization', 'x-csrf-token', 'session'])}');`,
  (r) => `    "${r.pick(['tokenUrl', 'secretName', 'passwordPolicy', 'apiKeyHeader'])}": "${r.pick(IDENTS)}",`,
  (r) => `  private_key_path: ./keys/${r.pick(IDENTS)}.pem`,
];
const SECURITY_SHARE = 0.03;

const KINDS = [
  { ext: 'ts', lines: TS_LINES, weight: 40 },
  { ext: 'js', lines: TS_LINES, weight: 15 },
  { ext: 'py', lines: PY_LINES, weight: 15 },
  { ext: 'md', lines: MD_LINES, weight: 15 },
  { ext: 'json', lines: JSON_LINES, weight: 8 },
  { ext: 'yaml', lines: YAML_LINES, weight: 7 },
];

function fileSize(r) {
  // Mostly small files, a tail of large ones (≈ 5 KB mean: 100 MB ≈ 20 000 files).
  const u = r.next();
  if (u < 0.65) return 300 + r.int(2700);
  if (u < 0.93) return 3000 + r.int(7000);
  if (u < 0.995) return 10000 + r.int(30000);
  return 40000 + r.int(120000);
}

/**
 * Write the tree (or reuse it when the manifest matches). Returns the manifest:
 * { root, files: [{ path, bytes }], planted: [{ file, line, lines, family, rules }], decoys, totalBytes }.
 */
export function generateTree({ root, mb, seed = 42, plants = 240, decoyCount = 400 }) {
  const params = { version: GENERATOR_VERSION, mb, seed, plants, decoyCount };
  const manifestPath = join(root, '.manifest.json');
  if (existsSync(manifestPath)) {
    const old = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (JSON.stringify(old.params) === JSON.stringify(params)) return old;
    rmSync(root, { recursive: true, force: true });
  }
  mkdirSync(root, { recursive: true });
  const r = prng(seed);
  const target = mb * 1024 * 1024;
  const totalWeight = KINDS.reduce((s, k) => s + k.weight, 0);
  const files = [];
  let total = 0;
  while (total < target) {
    let w = r.int(totalWeight);
    let kind = KINDS[0];
    for (const k of KINDS) {
      if (w < k.weight) {
        kind = k;
        break;
      }
      w -= k.weight;
    }
    const size = fileSize(r);
    const lines = [];
    let bytes = 0;
    while (bytes < size) {
      const line = (r.next() < SECURITY_SHARE ? r.pick(SECURITY_LINES) : r.pick(kind.lines))(r);
      lines.push(line);
      bytes += line.length + 1;
    }
    const i = files.length;
    const path = `pkg${String(Math.floor(i / 1000)).padStart(2, '0')}/src/mod${String(Math.floor(i / 100) % 10)}/${r.pick(IDENTS)}-${i}.${kind.ext}`;
    files.push({ path, lines, ext: kind.ext });
    total += bytes;
  }

  // Plant secrets: each at a random line of a random file (never two in one file, to keep it simple).
  const familyNames = Object.keys(FAMILIES);
  plants = Math.min(plants, Math.floor(files.length / 4));
  decoyCount = Math.min(decoyCount, Math.floor(files.length / 4));
  const planted = [];
  const used = new Set();
  const pickFile = () => {
    for (;;) {
      const i = r.int(files.length);
      if (!used.has(i)) {
        used.add(i);
        return i;
      }
    }
  };
  for (let p = 0; p < plants; p++) {
    const family = familyNames[p % familyNames.length];
    let made = FAMILIES[family](r);
    while (shannon(made.secret) < (MIN_ENTROPY[family] ?? 3.1)) made = FAMILIES[family](r);
    const fi = pickFile();
    const f = files[fi];
    const at = r.int(f.lines.length + 1);
    let block = made.lines;
    let offset = 0;
    if (f.ext === 'md' && made.lines.length > 1) {
      block = ['```', ...made.lines, '```'];
      offset = 1;
    }
    f.lines.splice(at, 0, ...block);
    const secrets = made.secrets ?? [{ offset: 0, rules: made.rules, span: made.lines.length }];
    for (const s of secrets) {
      planted.push({
        file: f.path,
        // 1-based; a multi-line secret (PEM) may be reported on any of its lines.
        line: at + offset + s.offset + 1,
        lines: s.span ?? 1,
        family,
        rules: s.rules,
      });
    }
    // Later splices in the same file would shift lines: the file is never used again.
  }
  const decoyList = [];
  for (let d = 0; d < decoyCount; d++) {
    const fi = pickFile();
    const f = files[fi];
    const block = decoys(r);
    const at = r.int(f.lines.length + 1);
    f.lines.splice(at, 0, ...block);
    decoyList.push({ file: f.path, line: at + 1, text: block[0].slice(0, 40) });
  }

  let totalBytes = 0;
  const out = [];
  for (const f of files) {
    const text = `${f.lines.join('\n')}\n`;
    const abs = join(root, f.path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
    totalBytes += Buffer.byteLength(text);
    out.push({ path: f.path, bytes: Buffer.byteLength(text) });
  }
  const manifest = {
    params,
    root,
    files: out,
    planted,
    decoys: decoyList,
    totalBytes,
    digest: createHash('sha256').update(JSON.stringify(planted)).digest('hex').slice(0, 16),
  };
  writeFileSync(manifestPath, JSON.stringify(manifest));
  return manifest;
}
