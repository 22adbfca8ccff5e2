import { describe, expect, it } from 'vitest';
import { classifySnapshots } from './harness.js';
import { tsModel } from './ts-model.js';

const UTIL = `export function greet(name: string): string {
  return \`Hello, \${name}!\`;
}

export function add(a: number, b: number): number {
  return a + b;
}

export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
`;

const P = 'src/util.ts';

async function tierOf(before: string, after: string, path = P) {
  return classifySnapshots({ [path]: before }, { [path]: after });
}

function apiReasons(reasons: string[]): string[] {
  return reasons.filter((r) => r.startsWith('api-change:'));
}

describe('TS/JS: comment-only and format-only (low)', () => {
  it('adding line, block and JSDoc comments is comment-only', async () => {
    const after = `/** Greets someone. */
export function greet(name: string): string {
  // friendly
  return \`Hello, \${name}!\`; // trailing note
}

/*
 * Adds two numbers.
 */
export function add(a: number, b: number): number {
  return a + b;
}

export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
`;
    expect(await tierOf(UTIL, after)).toEqual({ tier: 'low', reasons: [`comment-only:${P}`] });
  });

  it('removing and rewording comments is comment-only', async () => {
    const before = `// Deprecated helpers kept for backwards compatibility.\nexport function oldGreet(name: string): string {\n  return "Hi " + name; // old\n}\n`;
    const after = `// Kept for callers of v1.\nexport function oldGreet(name: string): string {\n  return "Hi " + name;\n}\n`;
    expect(await tierOf(before, after, 'src/legacy.ts')).toEqual({ tier: 'low', reasons: ['comment-only:src/legacy.ts'] });
  });

  it('a blank line inside a template literal is content, not a comment', async () => {
    const before = 'export const SQL = `select 1\nfrom t`;\n';
    const after = 'export const SQL = `select 1\n\nfrom t`;\n';
    expect(await tierOf(before, after, 'src/sql.ts')).toEqual({ tier: 'medium', reasons: ['refactor:src/sql.ts'] });
  });

  it('line endings and trailing whitespace only are format-only', async () => {
    expect(await tierOf(UTIL, `${UTIL.replace(/\n/g, '  \r\n')}\n`)).toEqual({ tier: 'low', reasons: [`format-only:${P}`] });
  });

  it('a comment marker inside a string is not a comment', async () => {
    const before = `export const url = "http://example.com";\n`;
    const after = `export const url = "http://example.org";\n`;
    const r = await tierOf(before, after, 'src/url.ts');
    expect(r.tier).toBe('medium');
    expect(r.reasons).toEqual(['refactor:src/url.ts']);
  });

  it('a whitespace reformat (indentation, wrapping, spacing) is format-only and no API change', async () => {
    const after = `export function greet(
    name:string,
): string {
        return \`Hello, \${name}!\`;
}
export function add(a: number,b: number): number { return a + b; }

export function clamp(x: number, lo: number, hi: number): number
{
  return Math.min(hi,Math.max(lo,x));
}
`;
    expect(await tierOf(UTIL, after)).toEqual({ tier: 'low', reasons: [`format-only:${P}`] });
  });

  it('what formatters change (quote style, optional semicolons, trailing commas) is format-only', async () => {
    const before = `import { registerRoutes } from "./api/routes";\nexport interface Route {\n  method: "GET" | "POST";\n  path: string;\n}\nexport const routes = [\n  { method: "GET", path: "/health" }\n];\nregisterRoutes();\n`;
    const after = `import { registerRoutes } from './api/routes'\nexport interface Route {\n  method: 'GET' | 'POST'\n  path: string\n}\nexport const routes = [{ method: 'GET', path: '/health' },]\nregisterRoutes()\n`;
    expect(await tierOf(before, after, 'src/r.ts')).toEqual({ tier: 'low', reasons: ['format-only:src/r.ts'] });
  });

  it('whitespace inside a string literal or template is content, not format', async () => {
    const after = UTIL.replace('Hello, $', 'Hello,  $');
    const r = await tierOf(UTIL, after);
    expect(r.tier).toBe('medium');
    expect(r.reasons).toEqual([`refactor:${P}`]);
  });

  it('a line break that changes meaning through ASI is not format-only', async () => {
    const before = `export function f(x: number): number {\n  return x;\n}\n`;
    const after = `export function f(x: number): number {\n  return\n  x;\n}\n`;
    const r = await tierOf(before, after, 'src/f.ts');
    expect(r.tier).toBe('medium');
  });

  it('JSX text keeps its words; a comment in JSX braces is a comment', async () => {
    const before = `export function App() {\n  return <p>// not a comment</p>;\n}\n`;
    const comment = `export function App() {\n  return <p>{/* note */}// not a comment</p>;\n}\n`;
    const text = `export function App() {\n  return <p>// changed text</p>;\n}\n`;
    expect((await tierOf(before, comment, 'src/App.tsx')).tier).toBe('low');
    expect((await tierOf(before, text, 'src/App.tsx')).tier).toBe('medium');
  });
});

describe('TS/JS: tests and refactors (medium)', () => {
  it('a change to a test file only is test-only', async () => {
    const before = `import { add } from "./util";\nimport test from "node:test";\ntest("add", () => { if (add(1, 2) !== 3) throw new Error(); });\n`;
    const after = `${before}test("add negative", () => { if (add(-1, -2) !== -3) throw new Error(); });\n`;
    expect(await tierOf(before, after, 'src/util.test.ts')).toEqual({ tier: 'medium', reasons: ['test-only:src/util.test.ts'] });
  });

  it('a body-only edit is a refactor, not an API change', async () => {
    const after = UTIL.replace('return a + b;', 'const sum = a + b;\n  return sum;');
    expect(await tierOf(UTIL, after)).toEqual({ tier: 'medium', reasons: [`refactor:${P}`] });
  });

  it('renaming a parameter is not an API change', async () => {
    const after = UTIL.replace('greet(name: string)', 'greet(who: string)').replace(/\{name\}/, '{who}');
    expect(await tierOf(UTIL, after)).toEqual({ tier: 'medium', reasons: [`refactor:${P}`] });
  });

  it('adding a new export is not an API change', async () => {
    const after = `${UTIL}\nexport function sub(a: number, b: number): number {\n  return a - b;\n}\n`;
    const r = await tierOf(UTIL, after);
    expect(r.tier).toBe('medium');
    expect(apiReasons(r.reasons)).toEqual([]);
  });

  it('changing a non-exported function is not an API change', async () => {
    const before = `function helper(a: number): number { return a; }\nexport function f(): number { return helper(1); }\n`;
    const after = `function helper(a: string): number { return a.length; }\nexport function f(): number { return helper("x"); }\n`;
    expect((await tierOf(before, after, 'src/f.ts')).tier).toBe('medium');
  });

  it('adding an optional member to an exported interface is not an API change', async () => {
    const before = `export interface Route {\n  method: "GET" | "POST";\n  path: string;\n}\n`;
    const after = `export interface Route {\n  method: "GET" | "POST";\n  path: string;\n  name?: string;\n}\n`;
    expect((await tierOf(before, after, 'src/api/routes.ts')).tier).toBe('medium');
  });

  it('changing private class members is not an API change', async () => {
    const before = `export class Greeter {\n  private cache = new Map<string, string>();\n  #count = 0;\n  greet(name: string): string { return name; }\n  private log(m: string): void {}\n}\n`;
    const after = `export class Greeter {\n  private cache = new Set<string>();\n  greet(name: string): string { return name; }\n}\n`;
    expect((await tierOf(before, after, 'src/greeter.ts')).tier).toBe('medium');
  });
});

describe('TS/JS: API changes (high)', () => {
  it('removing an export', async () => {
    const after = UTIL.replace(/\nexport function clamp[\s\S]*$/, '');
    expect(await tierOf(UTIL, after)).toEqual({ tier: 'high', reasons: [`api-change:${P}#clamp`, `refactor:${P}`] });
  });

  it('dropping the export keyword', async () => {
    const after = UTIL.replace('export function add', 'function add');
    expect(apiReasons((await tierOf(UTIL, after)).reasons)).toEqual([`api-change:${P}#add`]);
  });

  it('changing a parameter type', async () => {
    const after = UTIL.replace('add(a: number, b: number)', 'add(a: number, b: bigint)');
    const r = await tierOf(UTIL, after);
    expect(r.tier).toBe('high');
    expect(apiReasons(r.reasons)).toEqual([`api-change:${P}#add`]);
  });

  it('making an optional parameter required', async () => {
    const before = `export function greet(name?: string): string {\n  return "Hello, " + (name ?? "world");\n}\n`;
    const after = `export function greet(name: string): string {\n  return "Hello, " + name;\n}\n`;
    expect(apiReasons((await tierOf(before, after)).reasons)).toEqual([`api-change:${P}#greet`]);
  });

  it('removing a default value (the parameter becomes required)', async () => {
    const before = `export function greet(name = "world") {\n  return "Hello, " + name;\n}\n`;
    const after = `export function greet(name) {\n  return "Hello, " + name;\n}\n`;
    expect((await tierOf(before, after, 'src/util.js')).reasons).toContain('api-change:src/util.js#greet');
  });

  it('changing a return type', async () => {
    const after = UTIL.replace('greet(name: string): string', 'greet(name: string): string | undefined');
    expect(apiReasons((await tierOf(UTIL, after)).reasons)).toEqual([`api-change:${P}#greet`]);
  });

  it('making a function async without a declared return type', async () => {
    const before = `export function load(id: string) {\n  return id;\n}\n`;
    const after = `export async function load(id: string) {\n  return id;\n}\n`;
    expect((await tierOf(before, after)).tier).toBe('high');
  });

  it('changing the declared type of an exported const', async () => {
    const before = `export const LIMIT: number = 10;\n`;
    const after = `export const LIMIT: string = "10";\n`;
    expect(apiReasons((await tierOf(before, after)).reasons)).toEqual([`api-change:${P}#LIMIT`]);
  });

  it('changing an exported arrow function signature', async () => {
    const before = `export const double = (x: number): number => x * 2;\n`;
    const after = `export const double = (x: number, y: number): number => x * y;\n`;
    expect(apiReasons((await tierOf(before, after)).reasons)).toEqual([`api-change:${P}#double`]);
  });

  it('removing a public method; a removed class is reported once', async () => {
    const before = `export class Greeter {\n  greet(name: string): string { return name; }\n  wave(): void {}\n}\nexport class Other {\n  a(): void {}\n  b(): void {}\n}\n`;
    const after = `export class Greeter {\n  greet(name: string): string { return name; }\n}\n`;
    expect(apiReasons((await tierOf(before, after, 'src/g.ts')).reasons)).toEqual(['api-change:src/g.ts#Greeter.wave', 'api-change:src/g.ts#Other']);
  });

  it('interfaces: removing or changing a member, or adding a required one', async () => {
    const before = `export interface Route {\n  method: "GET" | "POST";\n  path: string;\n}\n`;
    const removed = `export interface Route {\n  method: "GET" | "POST";\n}\n`;
    const changed = `export interface Route {\n  method: "GET" | "POST" | "PUT";\n  path: string;\n}\n`;
    const required = `export interface Route {\n  method: "GET" | "POST";\n  path: string;\n  handler: () => void;\n}\n`;
    const p = 'src/api/routes.ts';
    expect(apiReasons((await tierOf(before, removed, p)).reasons)).toEqual([`api-change:${p}#Route.path`]);
    expect(apiReasons((await tierOf(before, changed, p)).reasons)).toEqual([`api-change:${p}#Route.method`]);
    expect(apiReasons((await tierOf(before, required, p)).reasons)).toEqual([`api-change:${p}#Route.handler`]);
  });

  it('type aliases by their text', async () => {
    const before = `export type Id = string;\n`;
    const after = `export type Id = string | number;\n`;
    expect(apiReasons((await tierOf(before, after)).reasons)).toEqual([`api-change:${P}#Id`]);
  });

  it('export lists, aliases, defaults and re-exports', async () => {
    const before = `function a(x: string) {}\nfunction b() {}\nexport { a as alpha, b };\nexport default a;\nexport * from "./x";\nexport { y } from "./y";\n`;
    const after = `function a(x: string) {}\nfunction b() {}\nexport { a as first, b };\nexport default b;\nexport * from "./x2";\nexport { y } from "./y";\n`;
    expect(apiReasons((await tierOf(before, after)).reasons).sort()).toEqual(
      [`api-change:${P}#*:./x`, `api-change:${P}#alpha`, `api-change:${P}#default`].sort(),
    );
  });

  it('CommonJS exports in JavaScript', async () => {
    const before = `function add(a, b) { return a + b; }\nexports.add = add;\nexports.sub = function (a, b) { return a - b; };\n`;
    const after = `function add(a, b) { return a + b; }\nexports.add = add;\n`;
    expect(apiReasons((await tierOf(before, after, 'lib/math.js')).reasons)).toEqual(['api-change:lib/math.js#sub']);
  });

  it('removing an overload', async () => {
    const before = `export function h(a: string): void;\nexport function h(a: number): void;\nexport function h(a: unknown): void {}\n`;
    const after = `export function h(a: string): void;\nexport function h(a: unknown): void {}\n`;
    expect(apiReasons((await tierOf(before, after)).reasons)).toEqual([`api-change:${P}#h`]);
  });
});

describe('TS/JS: unparsable code', () => {
  it('a syntax error is a refactor when no exported name disappears', async () => {
    const after = UTIL.replace('return a + b;', 'return a + ;');
    expect(await tierOf(UTIL, after)).toEqual({ tier: 'medium', reasons: [`syntax-error:${P}`] });
  });

  it('a syntax error that loses an exported name is an API change', async () => {
    const after = UTIL.replace(/export function clamp[\s\S]*$/, 'export function (');
    const r = await tierOf(UTIL, after);
    expect(r.tier).toBe('high');
    expect(r.reasons).toContain(`api-change:${P}#clamp`);
  });
});

describe('tsModel', () => {
  it('extracts exported signatures without parameter names or comments', () => {
    const m = tsModel('export function f(/* id */ a: string, b?: number, ...rest: string[]): void {}\n', 'a.ts');
    expect(m.parsed).toBe(true);
    expect(m.api.get('f')?.sig).toBe('function(:string, ?:number, ...:string [ ]): void');
  });

  it('reads class members, parameter properties and enums', () => {
    const m = tsModel(
      'export class C { constructor(public readonly id: string, private x: number) {} protected p(): void {} static s = 1; #h = 2; }\nexport enum E { A = 1, B }\n',
      'a.ts',
    );
    expect([...m.api.keys()]).toEqual(['C', 'C.constructor', 'C.id', 'C.p', 'C.s', 'E', 'E.A', 'E.B']);
  });
});
