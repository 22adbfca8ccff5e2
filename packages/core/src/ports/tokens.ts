import type { InjectionToken } from 'tsyringe';
import type { GitPort } from './git.js';
import type { PolicyEngine, SecretScanner, TierClassifier } from './security.js';

/**
 * DI tokens: the ports. The CLI (composition root) registers an implementation for each with
 * `useFactory`/`useValue`; library code only receives them.
 */
export const GitPortToken: InjectionToken<GitPort> = Symbol('GitPort');
export const PolicyEngineToken: InjectionToken<PolicyEngine> = Symbol('PolicyEngine');
export const SecretScannerToken: InjectionToken<SecretScanner> = Symbol('SecretScanner');
export const TierClassifierToken: InjectionToken<TierClassifier> = Symbol('TierClassifier');
