export { displayPath, parseCQuoted, unquoteGitPath, type CQuoted } from './quote.js';
export {
  caseFold,
  foldComponent,
  HFS_IGNORABLE_RE,
  isDotGitComponent,
  normalizePath,
  type NormalizedPath,
  type PathRule,
} from './normalize.js';
export {
  denyKey,
  extensionOf,
  firstDenyMatch,
  hasAllowedExtension,
  isInvalidEntry,
  matchesDenyPath,
  matchesScope,
} from './match.js';
