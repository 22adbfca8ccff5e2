export * from './errors/index.js';
export * from './domain/change.js';
export * from './domain/decision.js';
export * from './config/schema.js';
export type * from './ports/git.js';
export type * from './ports/security.js';
export * from './ports/tokens.js';
