/**
 * Built-in secret scanner: gitleaks-compatible rules (TOML), a one-pass keyword prefilter, and
 * redaction. See README.md in this folder.
 */
export {
  type GitleaksAllowlist,
  type GitleaksConfig,
  type GitleaksRule,
  parseGitleaksToml,
  type RegexTarget,
} from './config.js';
export { DEFAULT_RULES_TOML } from './default-rules.js';
export { MAX_SCAN_BYTES, type ScanFilesResult, type ScanFilesSummary, scanFiles } from './files.js';
export { fingerprintSecret, redactDeep, redactSecret, shannonEntropy } from './redact.js';
export { compileGoRegex, translateGoRegex, type TranslatedRegex } from './regex.js';
export { createSecretScanner, type SecretScannerEngine, type SecretScannerOptions } from './scanner.js';
