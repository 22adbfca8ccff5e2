// The library entry of @cgce/cli: run `cee` in-process, as the executable does (argv without node and the
// script; resolves to the exit code of the contract, never calls process.exit).
export { main, versionLine } from './main.js';
export type { CommandSpec, Invocation } from './main.js';
