import 'reflect-metadata';
import { CheckpointStore } from '@cgce/checkpoint';
import {
  GitPortToken,
  PolicyEngineToken,
  SecretScannerToken,
  TierClassifierToken,
  type EngineDeps,
  type LoadedConfig,
  type SecretScanner,
} from '@cgce/core';
import { type ChangeTracker, createGitAdapter } from '@cgce/git-adapter';
import { createLazyTierClassifier, createPolicyEngine, createSecretScanner } from '@cgce/guardrails';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { container, type DependencyContainer } from 'tsyringe';
import { ConfigError } from '@cgce/core';
import { hookRunnerFor } from './hooks.js';

/**
 * The composition root: the only place that knows which adapter implements which port. Singletons live on the
 * root container; each command resolves them through a child container that is disposed when it ends.
 */
export function createRootContainer(options: { changeTracker?: ChangeTracker } = {}): DependencyContainer {
  const root = container.createChildContainer();
  // One container per command (also in the daemon): the commit identity is read once (GitAdapterOptions.cacheIdentity).
  root.register(GitPortToken, { useValue: createGitAdapter({ cacheIdentity: true, changeTracker: options.changeTracker }) });
  root.register(PolicyEngineToken, { useValue: createPolicyEngine() });
  root.register(SecretScannerToken, { useFactory: () => createSecretScanner() });
  root.register(TierClassifierToken, { useValue: createLazyTierClassifier() });
  return root;
}

/** A scanner that honours the repository's own secret settings (extra gitleaks rule files, allowed paths). */
async function scannerFor(loaded: LoadedConfig, repoRoot: string, fallback: SecretScanner): Promise<SecretScanner> {
  const s = loaded.config.guardrails.secrets;
  if (s.engine === 'builtin' && s.configFiles.length === 0 && s.allowPaths.length === 0) return fallback;
  const configToml: string[] = [];
  for (const [i, f] of s.configFiles.entries()) {
    const abs = path.resolve(repoRoot, f);
    if (!abs.startsWith(repoRoot + path.sep)) {
      throw new ConfigError(loaded.sources['guardrails.secrets'] ?? 'config', `guardrails.secrets.configFiles[${i}]: "${f}" is outside the repository`);
    }
    try {
      configToml.push(await readFile(abs, 'utf8'));
    } catch (e) {
      throw new ConfigError(loaded.sources['guardrails.secrets'] ?? 'config', `guardrails.secrets.configFiles[${i}]: cannot read ${f}: ${(e as Error).message}`);
    }
  }
  if (s.engine === 'gitleaks') {
    const { createGitleaksScanner } = await import('./adapters/gitleaks.js');
    return createGitleaksScanner({ configToml });
  }
  try {
    return createSecretScanner({ configToml, configNames: s.configFiles, allowPaths: s.allowPaths });
  } catch (e) {
    throw new ConfigError(loaded.sources['guardrails.secrets'] ?? 'config', `Invalid secret scanner rules: ${(e as Error).message}`);
  }
}

export function engineDeps(scope: DependencyContainer): EngineDeps {
  const git = scope.resolve(GitPortToken);
  // Built on first use (Engine.open asks for it while its first git process runs).
  let scanner: SecretScanner | undefined;
  const defaultScanner = () => (scanner ??= scope.resolve(SecretScannerToken));
  return {
    git,
    policy: scope.resolve(PolicyEngineToken),
    get scanner() {
      return defaultScanner();
    },
    tiers: scope.resolve(TierClassifierToken),
    checkpoints: (root) => new CheckpointStore(git, root),
    scannerFor: (loaded, root) => scannerFor(loaded, root, defaultScanner()),
    hooks: hookRunnerFor,
  };
}
