export { createPolicyEngine } from './engine.js';
export { RULE_PRIORITY } from './decisions.js';
export { parsePatch, type FilePatch, type NameRef, type ParsedPatch, type ParseIssue } from './parse.js';
