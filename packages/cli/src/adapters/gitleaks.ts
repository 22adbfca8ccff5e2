import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, type SecretFinding, type SecretScanner } from '@cgce/core';
import { redactSecret } from '@cgce/guardrails';

/** One finding of gitleaks' JSON report (`--report-format json`). */
interface GitleaksFinding {
  RuleID: string;
  Description?: string;
  StartLine: number;
  StartColumn: number;
  Secret: string;
}

/** One temporary folder per process, removed when it exits (one exit listener, however many commands ran). */
let scratch: string | null = null;
function scratchDir(): string {
  if (!scratch) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cee-gitleaks-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    scratch = dir;
  }
  return scratch;
}

/**
 * The `gitleaks` binary as the secret scanner (`guardrails.secrets.engine: "gitleaks"`), for teams that
 * already run it: each text goes through `gitleaks stdin` with the repository's rule files.
 */
export function createGitleaksScanner(options: { binary?: string; configToml?: string[] } = {}): SecretScanner {
  const binary = options.binary ?? 'gitleaks';
  const version = spawnSync(binary, ['version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new ConfigError('config', `guardrails.secrets.engine is "gitleaks" but no gitleaks binary could be run (${version.error?.message ?? version.stderr.trim()}): install it or use the built-in engine.`);
  }
  const dir = scratchDir();
  const toml = options.configToml?.length ? options.configToml.join('\n') : null;
  // Named by content: a long-lived process (the daemon) writes each rule set once, not once per command.
  const config = toml ? path.join(dir, `gitleaks-${createHash('sha256').update(toml).digest('hex').slice(0, 16)}.toml`) : null;
  if (config && toml) writeFileSync(config, toml);

  const run = (text: string): GitleaksFinding[] => {
    const report = path.join(dir, `report-${process.pid}-${Date.now()}.json`);
    const args = ['stdin', '--no-banner', '--exit-code', '0', '--report-format', 'json', '--report-path', report, ...(config ? ['--config', config] : [])];
    const r = spawnSync(binary, args, { input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    try {
      if (r.error || r.status !== 0) throw new Error(`gitleaks failed: ${r.error?.message ?? r.stderr.trim().slice(0, 500)}`);
      const raw = spawnSync('cat', [report], { encoding: 'utf8' }).stdout;
      return raw.trim() ? (JSON.parse(raw) as GitleaksFinding[]) : [];
    } finally {
      rmSync(report, { force: true });
    }
  };

  const toFinding = (f: GitleaksFinding, file: string): SecretFinding => ({
    ruleId: f.RuleID,
    description: f.Description ?? f.RuleID,
    file,
    line: f.StartLine,
    column: f.StartColumn,
    redacted: redactSecret(f.Secret),
    fingerprint: createHash('sha256').update(f.Secret).digest('hex').slice(0, 16),
  });

  return {
    scanText: (text, file) => run(text).map((f) => toFinding(f, file)),
    redact(text) {
      const found = run(text);
      let out = text;
      for (const f of found) if (f.Secret) out = out.split(f.Secret).join(`[REDACTED:${f.RuleID}]`);
      return { text: out, findings: found.map((f) => toFinding(f, '')) };
    },
  };
}
