import { createHash, randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SecretFinding } from '@cgce/core';
import { describe, expect, it } from 'vitest';
import { createSecretScanner, DEFAULT_RULES_TOML, parseGitleaksToml, redactDeep, redactSecret, shannonEntropy } from './index.js';

// Every key-shaped string below is assembled at run time (prefix pieces + random characters), so
// this file itself holds nothing that a secret scanner should flag.
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const B64 = `${ALNUM}+/`;
const URLSAFE = `${ALNUM}-_`;
const HEX = '0123456789abcdef';
const rand = (alphabet: string, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
};
const p = (...parts: string[]): string => parts.join('');
const dash = '-----';

const pemBody = (lines = 8): string => Array.from({ length: lines }, () => rand(B64, 64)).join('\n');
const jwt = (): string =>
  [
    Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url'),
    Buffer.from(JSON.stringify({ sub: rand(DIGITS, 9), name: rand(LOWER, 7), iat: 1_700_000_000 })).toString('base64url'),
    rand(URLSAFE, 43),
  ].join('.');

/** One realistic fake per family: [expected rule id, the secret, the line that holds it]. */

const FAMILIES_RAW: Array<[string, () => { secret: string; line: string }]> = [
  ['aws-access-token', () => { const s = p('AK', 'IA', rand('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)); return { secret: s, line: `aws_access_key_id = ${s}` }; }],
  ['aws-access-token', () => { const s = p('AS', 'IA', rand('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)); return { secret: s, line: `  accessKeyId: "${s}",` }; }],
  ['aws-secret-access-key', () => { const s = rand(`${ALNUM}/+`, 40); return { secret: s, line: `aws_secret_access_key = ${s}` }; }],
  ['aws-secret-access-key', () => { const s = rand(`${ALNUM}/+`, 40); return { secret: s, line: `  secretAccessKey: "${s}",` }; }],
  ['github-pat', () => { const s = p('gh', 'p_', rand(ALNUM, 36)); return { secret: s, line: `const octokit = new Octokit({ auth: "${s}" });` }; }],
  ['github-fine-grained-pat', () => { const s = p('github', '_pat_', rand(ALNUM, 22), '_', rand(ALNUM, 59)); return { secret: s, line: `GH_TOKEN=${s}` }; }],
  ['github-oauth', () => { const s = p('gh', 'o_', rand(ALNUM, 36)); return { secret: s, line: `token = '${s}'` }; }],
  ['github-app-token', () => { const s = p('gh', 's_', rand(ALNUM, 36)); return { secret: s, line: `x-access-token:${s}@github.com` }; }],
  ['github-refresh-token', () => { const s = p('gh', 'r_', rand(ALNUM, 36)); return { secret: s, line: `refresh=${s}` }; }],
  ['gitlab-pat', () => { const s = p('gl', 'pat-', rand(`${ALNUM}_-`, 20)); return { secret: s, line: `GITLAB_TOKEN=${s}` }; }],
  ['gitlab-deploy-token', () => { const s = p('gl', 'dt-', rand(ALNUM, 20)); return { secret: s, line: `deploy: ${s}` }; }],
  ['gitlab-runner-token', () => { const s = p('gl', 'rt-', rand(ALNUM, 20)); return { secret: s, line: `token = "${s}"` }; }],
  ['gitlab-ptt', () => { const s = p('gl', 'ptt-', rand(HEX, 40)); return { secret: s, line: `TRIGGER=${s}` }; }],
  ['slack-bot-token', () => { const s = p('xo', 'xb-', rand(DIGITS, 11), '-', rand(DIGITS, 12), '-', rand(ALNUM, 24)); return { secret: s, line: `SLACK_BOT_TOKEN=${s}` }; }],
  ['slack-user-token', () => { const s = p('xo', 'xp-', rand(DIGITS, 11), '-', rand(DIGITS, 11), '-', rand(DIGITS, 12), '-', rand(HEX, 32)); return { secret: s, line: `SLACK_USER_TOKEN=${s}` }; }],
  ['slack-app-token', () => { const s = p('xa', 'pp-1-', rand(UPPER + DIGITS, 11), '-', rand(DIGITS, 13), '-', rand(HEX, 64)); return { secret: s, line: `SLACK_APP_TOKEN=${s}` }; }],
  ['slack-webhook-url', () => { const s = p('T', rand(UPPER + DIGITS, 8), '/B', rand(UPPER + DIGITS, 8), '/', rand(ALNUM, 24)); return { secret: s, line: `url: https://hooks.${'slack'}.com/services/${s}` }; }],
  ['stripe-access-token', () => { const s = p('sk', '_live_', rand(ALNUM, 24)); return { secret: s, line: `const stripe = new Stripe('${s}');` }; }],
  ['stripe-access-token', () => { const s = p('rk', '_test_', rand(ALNUM, 99)); return { secret: s, line: `STRIPE_KEY=${s}` }; }],
  ['stripe-webhook-secret', () => { const s = p('wh', 'sec_', rand(ALNUM, 32)); return { secret: s, line: `STRIPE_WEBHOOK_SECRET=${s}` }; }],
  ['gcp-api-key', () => { const s = p('AI', 'za', rand(`${ALNUM}_-`, 35)); return { secret: s, line: `  apiKey: "${s}",` }; }],
  ['gcp-service-account-key-id', () => { const s = rand(HEX, 40); return { secret: s, line: `  "private_key_id": "${s}",` }; }],
  ['gcp-oauth-client-secret', () => { const s = p('GOC', 'SPX-', rand(`${ALNUM}_-`, 28)); return { secret: s, line: `client_secret=${s}` }; }],
  ['openai-api-key', () => { const s = p('sk-', 'proj-', rand(`${ALNUM}_-`, 74), 'T3Blbk', 'FJ', rand(`${ALNUM}_-`, 74)); return { secret: s, line: `OPENAI_API_KEY=${s}` }; }],
  ['openai-api-key', () => { const s = p('sk-', rand(ALNUM, 20), 'T3Blbk', 'FJ', rand(ALNUM, 20)); return { secret: s, line: `openai.api_key = "${s}"` }; }],
  ['anthropic-api-key', () => { const s = p('sk-', 'ant-', 'api03-', rand(`${ALNUM}_-`, 93), 'AA'); return { secret: s, line: `ANTHROPIC_API_KEY="${s}"` }; }],
  ['npm-access-token', () => { const s = p('np', 'm_', rand(ALNUM, 36)); return { secret: s, line: `NPM_TOKEN=${s}` }; }],
  ['npm-auth-token', () => { const s = `${rand(HEX, 8)}-${rand(HEX, 4)}-${rand(HEX, 4)}-${rand(HEX, 4)}-${rand(HEX, 12)}`; return { secret: s, line: `//registry.npmjs.org/:_authToken=${s}` }; }],
  ['pypi-upload-token', () => { const s = p('pypi-', 'AgEIcHlwaS5vcmc', rand(`${ALNUM}_-`, 120)); return { secret: s, line: `password = ${s}` }; }],
  ['jwt', () => { const s = jwt(); return { secret: s, line: `Authorization: Bearer ${s}` }; }],
  ['azure-storage-account-key', () => { const s = `${rand(B64, 86)}==`; return { secret: s, line: `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${s};EndpointSuffix=core.windows.net` }; }],
  ['digitalocean-token', () => { const s = p('do', 'p_v1_', rand(HEX, 64)); return { secret: s, line: `DO_TOKEN=${s}` }; }],
  ['hashicorp-vault-token', () => { const s = p('hv', 's.', rand(`${ALNUM}_-`, 95)); return { secret: s, line: `VAULT_TOKEN=${s}` }; }],
  ['shopify-token', () => { const s = p('sh', 'pat_', rand(HEX, 32)); return { secret: s, line: `SHOPIFY=${s}` }; }],
  ['databricks-api-token', () => { const s = p('da', 'pi', rand(HEX, 32)); return { secret: s, line: `DATABRICKS_TOKEN=${s}` }; }],
  ['generic-secret', () => { const s = p(rand(ALNUM, 10), rand(DIGITS, 3), '#', rand(ALNUM, 8)); return { secret: s, line: `DB_PASSWORD="${s}"` }; }],
];

/**
 * The rules keep gitleaks' entropy gates (e.g. an AWS key id needs 3 bits/char): about 1 random key
 * in 1000 falls below and is, by design, not reported. Re-draw those so the tests stay deterministic.
 */
const ENTROPY = new Map(parseGitleaksToml(DEFAULT_RULES_TOML, 'built-in').rules.map((r) => [r.id, r.entropy ?? 0]));
const FAMILIES: Array<[string, () => { secret: string; line: string }]> = FAMILIES_RAW.map(([rule, make]) => [
  rule,
  () => {
    for (;;) {
      const made = make();
      if (shannonEntropy(made.secret) >= ENTROPY.get(rule)! + 0.1) return made;
    }
  },
]);

const scanner = createSecretScanner();
const scan = (text: string, file = 'src/app.ts'): SecretFinding[] => scanner.scanText(text, file);
const ids = (text: string, file?: string): string[] => scan(text, file).map((f) => f.ruleId);

describe('default rules: each family finds a realistic fake', () => {
  for (const [rule, make] of FAMILIES) {
    it(`${rule}`, () => {
      for (let round = 0; round < 5; round++) {
        const { secret, line } = make();
        const text = `// config\nexport const x = 1;\n${line}\nexport const y = 2;\n`;
        const found = scan(text);
        expect(found.map((f) => f.ruleId), line).toEqual([rule]);
        const f = found[0]!;
        expect(f.line).toBe(3);
        expect(line.slice(f.column - 1, f.column - 1 + secret.length)).toBe(secret);
        expect(f.fingerprint).toBe(createHash('sha256').update(secret).digest('hex').slice(0, 16));
        expect(f.redacted).not.toContain(secret);
        expect(JSON.stringify(found)).not.toContain(secret.slice(4, -2));
        expect(f.file).toBe('src/app.ts');
      }
    });
  }

  it('keywords are case-insensitive, like gitleaks', () => {
    const s = p('AK', 'IA', rand('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16));
    expect(ids(`KEY=${s}`)).toEqual(['aws-access-token']);
    expect(ids(`SECRET_ACCESS_KEY=${rand(`${ALNUM}/+`, 40)}`)).toEqual(['aws-secret-access-key']);
  });

  it('finds secrets at the very start and the very end of a text, with no newline', () => {
    const s = p('gh', 'p_', rand(ALNUM, 36));
    expect(ids(s)).toEqual(['github-pat']);
    expect(ids(`x=${s}`)).toEqual(['github-pat']);
    const found = scan(`a\nb\n${s}`);
    expect(found[0]).toMatchObject({ line: 3, column: 1 });
  });

  it('finds every secret of a file, in order, with lines and columns', () => {
    const a = p('gh', 'p_', rand(ALNUM, 36));
    const b = p('np', 'm_', rand(ALNUM, 36));
    const c = p('AI', 'za', rand(`${ALNUM}_-`, 35));
    const text = `one ${a}\n\n  two "${b}" and 'x${'\u00e9'}' ${c}\n`;
    const found = scan(text);
    expect(found.map((f) => [f.ruleId, f.line, f.column])).toEqual([
      ['github-pat', 1, 5],
      ['npm-access-token', 3, 8],
      ['gcp-api-key', 3, 59],
    ]);
  });
});

describe('PEM private keys', () => {
  for (const kind of ['RSA ', 'EC ', 'OPENSSH ', 'DSA ', '', 'ENCRYPTED ', 'PGP ']) {
    it(`finds a ${kind || 'PKCS#8 '}private key block`, () => {
      const block = kind === 'PGP ' ? 'PRIVATE KEY BLOCK' : 'PRIVATE KEY';
      const body = pemBody();
      const text = `key:\n${dash}BEGIN ${kind}${block}${dash}\n${body}\n${dash}END ${kind}${block}${dash}\n`;
      const found = scan(text, 'deploy/key.pem');
      expect(found.map((f) => f.ruleId)).toEqual(['private-key']);
      expect(found[0]!.line).toBe(2);
      const red = scanner.redact(text).text;
      expect(red).not.toContain(body.split('\n')[3]);
      expect(red).toContain('[REDACTED:private-key]');
    });
  }

  it('finds a key inside Markdown, in a fenced block', () => {
    const text = ['# Deploy', '', 'Use this key:', '', '```', `${dash}BEGIN RSA PRIVATE KEY${dash}`, pemBody(6), `${dash}END RSA PRIVATE KEY${dash}`, '```', ''].join('\n');
    expect(ids(text, 'docs/deploy.md')).toEqual(['private-key']);
  });

  it('finds a key as a JSON string with \\n escapes (service account file)', () => {
    const body = Array.from({ length: 8 }, () => rand(B64, 64)).join('\\n');
    const key = `${dash}BEGIN PRIVATE KEY${dash}\\n${body}\\n${dash}END PRIVATE KEY${dash}\\n`;
    const json = `{\n  "type": "service_account",\n  "private_key_id": "${rand(HEX, 40)}",\n  "private_key": "${key}"\n}\n`;
    expect(ids(json, 'sa.json').sort()).toEqual(['gcp-service-account-key-id', 'private-key']);
  });

  it('needs at least 64 characters between the markers', () => {
    expect(ids(`${dash}BEGIN RSA PRIVATE KEY${dash}\n${rand(B64, 40)}\n${dash}END RSA PRIVATE KEY${dash}\n`)).toEqual([]);
  });

  it('does not run from a short placeholder block into the next block', () => {
    const text = `${dash}BEGIN RSA PRIVATE KEY${dash}\n...\n${dash}END RSA PRIVATE KEY${dash}\n\n${'text '.repeat(40)}\n${dash}BEGIN PUBLIC KEY${dash}\n${pemBody(4)}\n${dash}END PUBLIC KEY${dash}\n`;
    expect(ids(text, 'README.md')).toEqual([]);
  });

  it('ignores public keys and certificates', () => {
    for (const label of ['PUBLIC KEY', 'RSA PUBLIC KEY', 'CERTIFICATE']) {
      expect(ids(`${dash}BEGIN ${label}${dash}\n${pemBody(6)}\n${dash}END ${label}${dash}\n`)).toEqual([]);
    }
  });
});

describe('no false positives on documented examples, placeholders and low entropy', () => {
  const awsExampleId = p('AKIA', 'IOSFODNN7', 'EXAMPLE');
  const awsExampleSecret = p('wJalrXUtnFEMI', '/K7MDENG/bPxRfiCY', 'EXAMPLEKEY');
  const x = (n: number) => 'x'.repeat(n);
  /** A shell/template variable reference: $, {, name, }. */
  const ref = (name: string): string => `$${'{'}${name}}`;
  const cases: Array<[string, string]> = [
    ['AWS example key id', `aws_access_key_id = ${awsExampleId}`],
    ['AWS example key id in prose', `The docs use \`${awsExampleId}\` as the example.`],
    ['AWS example secret key', `aws_secret_access_key = ${awsExampleSecret}`],
    ['any AWS id ending in EXAMPLE', `id: ${p('AKIA', 'ZZZZZZZZZ', 'EXAMPLE')}`],
    ['xxxx GitHub token', `GITHUB_TOKEN=${p('gh', 'p_')}${x(36)}`],
    ['xxxx Slack webhook', `https://hooks.${'slack'}.com/services/T00000000/B00000000/${'X'.repeat(24)}`],
    ['<your-key>', 'OPENAI_API_KEY=<your-key>'],
    ['<your-key> quoted', 'api_key = "<your-api-key>"'],
    ['$' + '{TOKEN}', `GITHUB_TOKEN=${ref('GITHUB_TOKEN')}`],
    ['$' + '{TOKEN} quoted', `const token = "${ref('API_TOKEN_FOR_PRODUCTION')}";`],
    ['{{ secrets }}', 'token: "{{ secrets.NPM_TOKEN }}"'],
    ['your_api_key_here', 'api_key = "your_api_key_here"'],
    ['your-api-key-here, longer', 'OPENAI_API_KEY="sk-your-api-key-here-1234567890"'],
    ['changeme', 'password = "changeme-changeme-changeme"'],
    ['repeated characters (AWS)', `id = ${p('AK', 'IA')}${'A'.repeat(16)}`],
    ['repeated characters (Stripe)', `STRIPE_KEY=${p('sk', '_live_')}${'0'.repeat(24)}`],
    ['repeated characters (Google)', `key: "${p('AI', 'za')}${'a'.repeat(35)}"`],
    ['repeated characters (AWS secret)', `AWS_SECRET_ACCESS_KEY=${'a'.repeat(40)}`],
    ['low entropy GitHub token', `t = ${p('gh', 'p_')}${'ab'.repeat(18)}`],
    ['low entropy generic', 'DB_PASSWORD="aaaaaaaabbbbbbbb1111"'],
    ['PEM placeholder body', `${dash}BEGIN PRIVATE KEY${dash}\n${x(64)}\n${x(64)}\n${dash}END PRIVATE KEY${dash}`],
    ['PEM dots', `${dash}BEGIN RSA PRIVATE KEY${dash}\n${'.'.repeat(70)}\n${dash}END RSA PRIVATE KEY${dash}`],
    ['env lookups', 'const token = process.env.GITHUB_TOKEN;\napiKey: process.env.OPENAI_API_KEY,'],
    ['identifiers, not values', 'const secretKey = "my-super-secret-key-for-tests";\n  password: "correct-horse-battery-staple",'],
    ['dotted names', 'token: "auth.errors.token_expired_403"'],
    ['file paths', 'private_key: "./keys/deploy-2024/service.pem"'],
    ['npm token from env', `//registry.npmjs.org/:_authToken=${ref('NPM_TOKEN')}`],
    ['the jwt.io example token', p('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9', '.', 'eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ', '.', 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c')],
    ['prose about keys', 'Access key IDs start with `AKIA` (long-term) or `ASIA` (temporary STS credentials).'],
  ];
  for (const [name, text] of cases) {
    it(name, () => {
      expect(scan(text, 'docs/config.md')).toEqual([]);
    });
  }
});

describe('suppressions inside a change are not honoured', () => {
  it('reports a secret on a line marked gitleaks:allow', () => {
    const s = p('gh', 'p_', rand(ALNUM, 36));
    expect(ids(`const t = "${s}"; // gitleaks:allow`)).toEqual(['github-pat']);
    expect(ids(`const t = "${s}" # gitleaks:allow`, 'x.py')).toEqual(['github-pat']);
  });

  it('does not read a scanner config that is part of the scanned text', () => {
    const s = p('gh', 'p_', rand(ALNUM, 36));
    const cfg = `[allowlist]\nregexes = ['''.*''']\n# ${s}\n`;
    expect(ids(cfg, '.gitleaks.toml')).toEqual(['github-pat']);
  });
});

describe('redaction', () => {
  it('redactSecret keeps at most 4 leading and 2 trailing characters of long secrets', () => {
    const s = p('gh', 'p_', rand(ALNUM, 36));
    const r = redactSecret(s);
    expect(r.startsWith(s.slice(0, 4))).toBe(true);
    expect(r.endsWith(s.slice(-2))).toBe(true);
    expect(r.slice(4, -2)).toMatch(/^\*+$/);
    expect(redactSecret('0123456789abcdef')).toBe(`0123${'*'.repeat(10)}ef`);
    expect(redactSecret('short-secret')).toBe('************');
    expect(redactSecret('0123456789abcde')).toBe('*'.repeat(15));
  });

  it('redact() replaces the secret group of every finding with a marker', () => {
    const secrets = FAMILIES.map(([, make]) => make());
    const text = secrets.map((s, i) => `line ${i}: ${s.line}`).join('\n');
    const { text: out, findings } = scanner.redact(text);
    expect(findings.length).toBe(secrets.length);
    for (const s of secrets) expect(out).not.toContain(s.secret);
    for (const [rule] of FAMILIES) expect(out).toContain(`[REDACTED:${rule}]`);
    // Only the secrets change: the text around them stays.
    expect(out.split('\n').length).toBe(secrets.length);
    expect(out).toContain('aws_access_key_id = [REDACTED:aws-access-token]');
    expect(out).toContain('//registry.npmjs.org/:_authToken=[REDACTED:npm-auth-token]');
  });

  it('redact() leaves a clean text untouched', () => {
    const text = 'const a = 1;\nconst token = getToken();\n';
    expect(scanner.redact(text)).toEqual({ text, findings: [] });
  });

  it('redactDeep() redacts every string of a JSON-like value (metadata, logs) and keeps the rest', () => {
    const gh = p('gh', 'p_', rand(ALNUM, 36));
    const npm = p('np', 'm_', rand(ALNUM, 36));
    const when = new Date(0);
    const meta = { step: 2, ok: true, when, notes: [`token ${gh}`, 'fine'], nested: { [`k ${npm}`]: null } };
    const { value, findings } = redactDeep(meta, (t) => scanner.redact(t));
    expect(findings).toBe(2);
    const json = JSON.stringify(value);
    expect(json).not.toContain(gh);
    expect(json).not.toContain(npm);
    expect(value.notes).toEqual(['token [REDACTED:github-pat]', 'fine']);
    expect(Object.keys(value.nested)).toEqual(['k [REDACTED:npm-access-token]']);
    expect(value.when).toBe(when);
    expect(meta.notes[0]).toContain(gh); // the input is not changed
    const clean = { a: ['x'] };
    expect(redactDeep(clean, (t) => scanner.redact(t)).value).toBe(clean);
  });

  it('a secret matched by two rules is redacted once and reported once, by the specific rule', () => {
    const s = p('gh', 'p_', rand(ALNUM, 36));
    const { text, findings } = scanner.redact(`const token = "${s}";`);
    expect(text).toBe('const token = "[REDACTED:github-pat]";');
    expect(findings.map((f) => f.ruleId)).toEqual(['github-pat']);
  });
});

describe('user rules (.gitleaks.toml)', () => {
  const acme = () => p('acme', '_', rand(LOWER + DIGITS, 32));
  const ACME_RULE = `
[[rules]]
id = "acme-token"
description = "ACME internal token"
regex = '''\\b(acme_[a-z0-9]{32})\\b'''
secretGroup = 1
entropy = 3
keywords = ["acme_"]
`;

  it('extend the defaults', () => {
    const s = createSecretScanner({ configToml: [ACME_RULE] });
    const gh = p('gh', 'p_', rand(ALNUM, 36));
    expect(s.scanText(`a = "${acme()}"\nb = "${gh}"`, 'x.py').map((f) => f.ruleId)).toEqual(['acme-token', 'github-pat']);
    expect(s.ruleIds).toContain('private-key');
  });

  it('replace the defaults with [extend] useDefault = false', () => {
    const s = createSecretScanner({ configToml: [`[extend]\nuseDefault = false\n${ACME_RULE}`] });
    const gh = p('gh', 'p_', rand(ALNUM, 36));
    expect(s.scanText(`a = "${acme()}"\nb = "${gh}"`, 'x.py').map((f) => f.ruleId)).toEqual(['acme-token']);
    expect(s.ruleIds).toEqual(['acme-token']);
  });

  it('useDefaults: false starts from nothing', () => {
    const s = createSecretScanner({ configToml: [ACME_RULE], useDefaults: false });
    expect(s.ruleIds).toEqual(['acme-token']);
  });

  it('disable rules with [extend] disabledRules', () => {
    const s = createSecretScanner({ configToml: ['[extend]\ndisabledRules = ["github-pat"]\n'] });
    expect(s.scanText(p('gh', 'p_', rand(ALNUM, 36)), 'x').map((f) => f.ruleId)).toEqual([]);
    expect(s.scanText(p('gh', 'o_', rand(ALNUM, 36)), 'x').map((f) => f.ruleId)).toEqual(['github-oauth']);
  });

  it('a rule with a built-in id overrides the fields it sets and adds allowlists', () => {
    const s = createSecretScanner({
      configToml: [`[[rules]]\nid = "github-pat"\ndescription = "Our PATs"\n[[rules.allowlists]]\npaths = ['''^test/fixtures/''']\n`],
    });
    const gh = p('gh', 'p_', rand(ALNUM, 36));
    expect(s.scanText(gh, 'test/fixtures/a.json')).toEqual([]);
    expect(s.scanText(gh, 'src/a.ts')).toMatchObject([{ ruleId: 'github-pat', description: 'Our PATs' }]);
  });

  it('a rule without keywords runs over the whole text', () => {
    const s = createSecretScanner({ configToml: [`[[rules]]\nid = "pin"\nregex = '''PIN-([0-9]{8})'''\n`], useDefaults: false });
    const found = s.scanText(`a\nb\nc PIN-${rand(DIGITS, 8)}\n`, 'x.txt');
    expect(found).toMatchObject([{ ruleId: 'pin', line: 3, column: 7 }]);
  });

  it('a rule scoped with path only runs on matching files', () => {
    const s = createSecretScanner({
      configToml: [`[[rules]]\nid = "tf-pass"\nregex = '''password\\s*=\\s*"([^"]{8,})"'''\npath = '''(?i)\\.tf$'''\nkeywords = ["password"]\n`],
      useDefaults: false,
    });
    const text = `password = "${rand(ALNUM, 12)}"`;
    expect(s.scanText(text, 'main.tf').map((f) => f.ruleId)).toEqual(['tf-pass']);
    expect(s.scanText(text, 'main.ts')).toEqual([]);
  });

  it('a path-only rule reports the file itself', () => {
    const s = createSecretScanner({ configToml: [`[[rules]]\nid = "p12"\npath = '''(?i)\\.p(?:12|fx)$'''\n`], useDefaults: false });
    expect(s.scanText('whatever', 'certs/client.p12')).toMatchObject([{ ruleId: 'p12', file: 'certs/client.p12', line: 1, column: 1 }]);
    expect(s.scanText('whatever', 'certs/client.pem')).toEqual([]);
  });

  it('Go syntax in user rules: (?i), inline (?i), (?-i:), \\z, POSIX classes, (?P<name>)', () => {
    const toml = `
[[rules]]
id = "go-syntax"
regex = '''(?i)\\b(?P<key>zz-(?-i:K)[[:alnum:]]{10})(?:[[:space:]]|\\z)'''
secretGroup = 1
keywords = ["zz-"]
[[rules]]
id = "inline-flag"
regex = '''\\b(qq_(?i)[a-f]{12})\\b'''
keywords = ["qq_"]
`;
    const s = createSecretScanner({ configToml: [toml], useDefaults: false });
    expect(s.scanText(`ZZ-K${rand(ALNUM, 10)}`, 'x').map((f) => f.ruleId)).toEqual(['go-syntax']);
    expect(s.scanText(`zz-k${rand(ALNUM, 10)} `, 'x')).toEqual([]);
    expect(s.scanText(`qq_${rand('abcdefABCDEF', 12)}`, 'x').map((f) => f.ruleId)).toEqual(['inline-flag']);
    expect(s.scanText(`QQ_${rand('abcdef', 12)}`, 'x')).toEqual([]);
  });

  it('a rule may reach over several lines around its keyword', () => {
    const toml = `
[[rules]]
id = "k8s-secret"
regex = '''kind:\\s*Secret[\\s\\S]{0,200}?password:\\s*([A-Za-z0-9+/=]{16,})'''
secretGroup = 1
keywords = ["password:"]
`;
    const s = createSecretScanner({ configToml: [toml], useDefaults: false });
    const text = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: ${rand(B64, 24)}\n`;
    expect(s.scanText(text, 'k8s/secret.yaml')).toMatchObject([{ ruleId: 'k8s-secret', line: 6, column: 13 }]);
  });
});

describe('allowlists', () => {
  const gh = () => p('gh', 'p_', rand(ALNUM, 36));

  it('global paths skip files', () => {
    const s = createSecretScanner({ configToml: [`[allowlist]\npaths = ['''^fixtures/''', '''(?i)\\.snap$''']\n`] });
    expect(s.scanText(gh(), 'fixtures/x.txt')).toEqual([]);
    expect(s.scanText(gh(), 'a/b.SNAP')).toEqual([]);
    expect(s.scanText(gh(), 'src/x.txt')).toHaveLength(1);
  });

  it('global regexes (secret target) and stopwords', () => {
    const s = createSecretScanner({
      configToml: [`[[allowlists]]\nregexes = ['''^ghp_FAKE''']\n[[allowlists]]\nstopwords = ["deadbeef"]\n`],
    });
    expect(s.scanText(p('gh', 'p_FAKE', rand(ALNUM, 32)), 'x')).toEqual([]);
    expect(s.scanText(p('gh', 'p_', rand(ALNUM, 10), 'DEADBEEF', rand(ALNUM, 18)), 'x')).toEqual([]);
    expect(s.scanText(gh(), 'x')).toHaveLength(1);
  });

  it('targetRules limits a global allowlist to some rules', () => {
    const s = createSecretScanner({ configToml: ['[[allowlists]]\ntargetRules = ["github-oauth"]\npaths = [\'\'\'.*\'\'\']\n'] });
    expect(s.scanText(p('gh', 'o_', rand(ALNUM, 36)), 'x')).toEqual([]);
    expect(s.scanText(gh(), 'x')).toHaveLength(1);
  });

  it('regexTarget match and line', () => {
    const s = createSecretScanner({
      configToml: [
        `[[rules]]\nid = "github-pat"\n[[rules.allowlists]]\nregexTarget = "line"\nregexes = ['''nosecret-approved''']\n[[rules.allowlists]]\nregexTarget = "match"\nregexes = ['''^ghp_0''']\n`,
      ],
    });
    // Tokens that cannot start with the allowlisted `ghp_0` (a random one does, one time in 62).
    const notZero = () => p('gh', 'p_1', rand(ALNUM, 35));
    expect(s.scanText(`x = "${notZero()}" # nosecret-approved`, 'x')).toEqual([]);
    expect(s.scanText(`x = "${notZero()}"`, 'x')).toHaveLength(1);
    expect(s.scanText(`x = ${p('gh', 'p_0', rand(ALNUM, 35))}`, 'x')).toEqual([]);
  });

  it('condition AND needs every check', () => {
    const s = createSecretScanner({
      configToml: [`[[rules]]\nid = "github-pat"\n[[rules.allowlists]]\ncondition = "AND"\npaths = ['''^test/''']\nstopwords = ["fixture"]\n`],
    });
    const fx = p('gh', 'p_', 'FIXTURE', rand(ALNUM, 29));
    expect(s.scanText(fx, 'test/a.ts')).toEqual([]);
    expect(s.scanText(fx, 'src/a.ts')).toHaveLength(1);
    expect(s.scanText(gh(), 'test/a.ts')).toHaveLength(1);
  });

  it('allowPaths globs skip files', () => {
    const s = createSecretScanner({ allowPaths: ['shared/corpus/**', '**/*.fixture.json'] });
    expect(s.scanText(gh(), 'shared/corpus/patches/s02/patch.diff')).toEqual([]);
    expect(s.scanText(gh(), 'a/b/c.fixture.json')).toEqual([]);
    expect(s.scanText(gh(), 'src/a.ts')).toHaveLength(1);
  });
});

describe('the patch corpus', () => {
  const CORPUS = fileURLToPath(new URL('../../../../../shared/corpus/patches/', import.meta.url));
  if (!existsSync(CORPUS)) throw new Error(`patch corpus not found at ${CORPUS}`);
  const read = (name: string): string => {
    const file = `${CORPUS}${name}/patch.diff`;
    if (!existsSync(file)) throw new Error(`corpus case missing: ${file}`);
    return readFileSync(file, 'utf8');
  };

  it('s01: AWS access key id and secret key', () => {
    const found = scan(read('s01-aws-access-key'), 'src/aws.ts');
    expect(found.map((f) => f.ruleId)).toEqual(['aws-access-token', 'aws-secret-access-key']);
    expect(found.map((f) => f.line)).toEqual([7, 8]);
  });

  it('s02: GitHub classic PAT', () => {
    expect(ids(read('s02-github-pat'), 'src/github.ts')).toEqual(['github-pat']);
  });

  it('s05: PEM private key inside Markdown', () => {
    const text = read('s05-pem-private-key');
    expect(ids(text, 'docs/deploy.md')).toEqual(['private-key']);
    const { text: red } = scanner.redact(text);
    expect(red).not.toMatch(/MIIEpAIBAAKCAQEA/);
    expect(red).toContain('[REDACTED:private-key]');
  });

  it('b03: the AWS example key in docs is not a secret', () => {
    expect(scan(read('b03-aws-example-key-in-docs'), 'docs/aws.md')).toEqual([]);
  });
});

describe('the shipped rules', () => {
  it('parse as gitleaks TOML and use keywords of 4+ characters', () => {
    const cfg = parseGitleaksToml(DEFAULT_RULES_TOML, 'built-in');
    expect(cfg.rules.length).toBeGreaterThanOrEqual(30);
    for (const r of cfg.rules) {
      expect(r.keywords.length, r.id).toBeGreaterThan(0);
      for (const k of r.keywords) expect(k.length, `${r.id}: ${k}`).toBeGreaterThanOrEqual(4);
    }
  });

  it('a large text with no keyword is scanned without findings', () => {
    const text = 'export const value = compute(input, options);\n'.repeat(50_000);
    expect(scan(text)).toEqual([]);
  });

  it('a long minified line with many keywords stays fast', () => {
    const line = `${'var token=a.b(c),secret=d(e);'.repeat(20_000)}\n`;
    const t = performance.now();
    expect(scan(line)).toEqual([]);
    expect(performance.now() - t).toBeLessThan(2000);
  });
});
