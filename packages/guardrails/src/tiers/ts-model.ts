import ts from '@typescript/typescript6';
import { type Api, type ApiEntry, addEntry, collectNames, type SourceModel, stripRanges } from './model.js';

/**
 * TypeScript and JavaScript, analysed with the TypeScript 6 compiler API (parser only: no program, no type
 * checker, so nothing outside the file is read).
 */

const FIRST_JSDOC = ts.SyntaxKind.FirstJSDocNode;
const LAST_JSDOC = ts.SyntaxKind.LastJSDocNode;

function scriptKind(path: string): ts.ScriptKind {
  const p = path.toLowerCase();
  if (p.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (p.endsWith('.jsx')) return ts.ScriptKind.JSX;
  if (/\.[cm]?js$/.test(p)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

function isJsDoc(node: ts.Node): boolean {
  return node.kind >= FIRST_JSDOC && node.kind <= LAST_JSDOC;
}

interface Visitor {
  /** Return false to skip the node's subtree. */
  open?(n: ts.Node): boolean | undefined;
  close?(): void;
  leaf(n: ts.Node, text: string): void;
}

/**
 * A token's text as formatters see it: string literals by their value (quote style is layout), and the
 * separators formatters add or drop (a `;` ending a statement or member, a trailing `,`) as nothing.
 * Statement boundaries stay visible in the tree's shape, so ASI cannot hide a change.
 */
function tokenText(n: ts.Node, last: boolean, sf: ts.SourceFile): string {
  if (last && (n.kind === ts.SyntaxKind.SemicolonToken || n.kind === ts.SyntaxKind.CommaToken)) return '';
  if (n.kind === ts.SyntaxKind.StringLiteral) return JSON.stringify((n as ts.StringLiteral).text);
  return n.getText(sf);
}

/** Walks a subtree in source order (JSDoc excluded). Iterative: deep trees cannot overflow the stack. */
function walk(node: ts.Node, sf: ts.SourceFile, v: Visitor): void {
  const stack: Array<{ n: ts.Node; last: boolean } | null> = [{ n: node, last: false }];
  while (stack.length > 0) {
    const top = stack.pop();
    if (top === undefined) break;
    if (top === null) {
      v.close?.();
      continue;
    }
    const n = top.n;
    if (isJsDoc(n)) continue;
    const kids = n.getChildren(sf);
    if (kids.length === 0) {
      v.leaf(n, tokenText(n, top.last, sf));
      continue;
    }
    if (v.open?.(n) === false) continue;
    stack.push(null);
    // The last child that is not JSDoc: a trailing separator is last in its list.
    let lastIndex = kids.length - 1;
    while (lastIndex > 0 && isJsDoc(kids[lastIndex] as ts.Node)) lastIndex--;
    for (let i = kids.length - 1; i >= 0; i--) {
      const k = kids[i];
      if (k !== undefined) stack.push({ n: k, last: i === lastIndex });
    }
  }
}

/** The node's tokens joined by single spaces: comments and layout normalised away. */
function norm(node: ts.Node | undefined, sf: ts.SourceFile): string {
  if (node === undefined) return '';
  const out: string[] = [];
  walk(node, sf, {
    leaf: (_t, s) => {
      if (s !== '') out.push(s);
    },
  });
  return out.join(' ');
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  const mods = ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined;
  return mods?.some((m) => m.kind === kind) ?? false;
}

function paramSig(p: ts.ParameterDeclaration, sf: ts.SourceFile): string {
  // Parameter names are not part of a TS/JS signature (callers pass by position); `this` parameters are.
  const name = ts.isIdentifier(p.name) && p.name.text === 'this' ? 'this' : '';
  const rest = p.dotDotDotToken ? '...' : '';
  const opt = p.questionToken || p.initializer ? '?' : '';
  return `${name}${rest}${opt}:${norm(p.type, sf)}`;
}

function typeParams(list: ts.NodeArray<ts.TypeParameterDeclaration> | undefined, sf: ts.SourceFile): string {
  return list && list.length > 0 ? `<${list.map((t) => norm(t, sf)).join(', ')}>` : '';
}

function fnSig(node: ts.SignatureDeclarationBase, sf: ts.SourceFile, prefix = 'function'): string {
  const asyncMod = hasModifier(node, ts.SyntaxKind.AsyncKeyword) ? 'async ' : '';
  const star = 'asteriskToken' in node && node.asteriskToken ? '*' : '';
  const params = node.parameters.map((p) => paramSig(p, sf)).join(', ');
  const ret = node.type ? `: ${norm(node.type, sf)}` : '';
  return `${asyncMod}${prefix}${star}${typeParams(node.typeParameters, sf)}(${params})${ret}`;
}

function propertyName(name: ts.PropertyName | ts.BindingName, sf: ts.SourceFile): string {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  return norm(name, sf);
}

/** Signature of a value from its initializer when it has no declared type: functions keep their shape. */
function initializerSig(init: ts.Expression | undefined, sf: ts.SourceFile): string {
  if (init === undefined) return '';
  let e = init;
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  if (ts.isArrowFunction(e)) return fnSig(e, sf, '=>');
  if (ts.isFunctionExpression(e)) return fnSig(e, sf);
  if (ts.isClassExpression(e)) return 'class';
  if (ts.isAsExpression(e) || ts.isTypeAssertionExpression(e)) {
    const t = norm(e.type, sf);
    return t === 'const' ? '' : `as ${t}`;
  }
  return '';
}

/** A declaration's entries: `''` for the declaration itself, `.member` for its public members. */
type Entries = Array<[suffix: string, entry: ApiEntry]>;

function classEntries(node: ts.ClassLikeDeclaration, sf: ts.SourceFile): Entries {
  const abstract = hasModifier(node, ts.SyntaxKind.AbstractKeyword) ? 'abstract ' : '';
  const heritage = (node.heritageClauses ?? []).map((h) => norm(h, sf)).join(' ');
  const out: Entries = [['', { sig: `${abstract}class${typeParams(node.typeParameters, sf)} ${heritage}`.trimEnd() }]];
  const members = new Map<string, ApiEntry>();
  const add = (key: string, entry: ApiEntry) => addEntry(members, key, entry);
  for (const m of node.members) {
    if (hasModifier(m, ts.SyntaxKind.PrivateKeyword)) continue;
    if (m.name && ts.isPrivateIdentifier(m.name)) continue;
    const vis = hasModifier(m, ts.SyntaxKind.ProtectedKeyword) ? 'protected ' : '';
    const stat = hasModifier(m, ts.SyntaxKind.StaticKeyword) ? 'static ' : '';
    const abs = hasModifier(m, ts.SyntaxKind.AbstractKeyword);
    const mods = `${vis}${stat}${abs ? 'abstract ' : ''}`;
    if (ts.isConstructorDeclaration(m)) {
      add('.constructor', { sig: fnSig(m, sf, `${vis}constructor`) });
      for (const p of m.parameters) {
        // Parameter properties (`constructor(public readonly x: T)`) are members too.
        if (!ts.isIdentifier(p.name) || hasModifier(p, ts.SyntaxKind.PrivateKeyword)) continue;
        const pub = hasModifier(p, ts.SyntaxKind.PublicKeyword);
        const prot = hasModifier(p, ts.SyntaxKind.ProtectedKeyword);
        const ro = hasModifier(p, ts.SyntaxKind.ReadonlyKeyword);
        if (!pub && !prot && !ro) continue;
        add(`.${p.name.text}`, { sig: `${prot ? 'protected ' : ''}${ro ? 'readonly ' : ''}${p.questionToken ? '?' : ''}: ${norm(p.type, sf)}` });
      }
    } else if (ts.isMethodDeclaration(m)) {
      const opt = m.questionToken ? '?' : '';
      add(`.${propertyName(m.name, sf)}`, { sig: fnSig(m, sf, `${mods}method${opt}`), breaksWhenAdded: abs });
    } else if (ts.isPropertyDeclaration(m)) {
      const ro = hasModifier(m, ts.SyntaxKind.ReadonlyKeyword) ? 'readonly ' : '';
      const opt = m.questionToken ? '?' : '';
      const type = m.type ? `: ${norm(m.type, sf)}` : initializerSig(m.initializer, sf);
      add(`.${propertyName(m.name, sf)}`, { sig: `${mods}${ro}property${opt} ${type}`.trimEnd(), breaksWhenAdded: abs });
    } else if (ts.isGetAccessorDeclaration(m) || ts.isSetAccessorDeclaration(m)) {
      const kind = ts.isGetAccessorDeclaration(m) ? 'get' : 'set';
      add(`.${propertyName(m.name, sf)}`, { sig: fnSig(m, sf, `${mods}${kind}`), breaksWhenAdded: abs });
    } else if (ts.isIndexSignatureDeclaration(m)) {
      add('.[index]', { sig: `${stat}${norm(m, sf)}` });
    }
    // Semicolon class elements and static blocks are not API.
  }
  for (const [k, v] of members) out.push([k, v]);
  return out;
}

function interfaceEntries(node: ts.InterfaceDeclaration, sf: ts.SourceFile): Entries {
  const heritage = (node.heritageClauses ?? []).map((h) => norm(h, sf)).join(' ');
  const out: Entries = [['', { sig: `interface${typeParams(node.typeParameters, sf)} ${heritage}`.trimEnd() }]];
  const members = new Map<string, ApiEntry>();
  for (const m of node.members) {
    const required = !('questionToken' in m && m.questionToken);
    if (ts.isPropertySignature(m)) {
      const ro = hasModifier(m, ts.SyntaxKind.ReadonlyKeyword) ? 'readonly ' : '';
      addEntry(members, `.${propertyName(m.name, sf)}`, {
        sig: `${ro}${required ? '' : '?'}: ${norm(m.type, sf)}`,
        breaksWhenAdded: required,
      });
    } else if (ts.isMethodSignature(m)) {
      addEntry(members, `.${propertyName(m.name, sf)}`, { sig: fnSig(m, sf, required ? 'method' : 'method?'), breaksWhenAdded: required });
    } else if (ts.isCallSignatureDeclaration(m)) {
      addEntry(members, '.()', { sig: fnSig(m, sf, 'call'), breaksWhenAdded: true });
    } else if (ts.isConstructSignatureDeclaration(m)) {
      addEntry(members, '.new()', { sig: fnSig(m, sf, 'new'), breaksWhenAdded: true });
    } else {
      addEntry(members, `.[${ts.SyntaxKind[m.kind]}]`, { sig: norm(m, sf), breaksWhenAdded: true });
    }
  }
  for (const [k, v] of members) out.push([k, v]);
  return out;
}

function enumEntries(node: ts.EnumDeclaration, sf: ts.SourceFile): Entries {
  const out: Entries = [['', { sig: `${hasModifier(node, ts.SyntaxKind.ConstKeyword) ? 'const ' : ''}enum` }]];
  for (const m of node.members) out.push([`.${propertyName(m.name, sf)}`, { sig: m.initializer ? `= ${norm(m.initializer, sf)}` : '' }]);
  return out;
}

interface Collector {
  api: Api;
  /** Local declarations by name (exported or not): what `export { a as b }` and `export default a` refer to. */
  locals: Map<string, Entries>;
  /** `export { local as exported }` without a module specifier, resolved once all locals are known. */
  pending: Array<{ exported: string; local: string; typeOnly: boolean }>;
}

function addLocal(c: Collector, name: string, entries: Entries): void {
  const prev = c.locals.get(name);
  c.locals.set(name, prev ? [...prev, ...entries] : entries);
}

function publish(c: Collector, name: string, entries: Entries): void {
  for (const [suffix, entry] of entries) addEntry(c.api, `${name}${suffix}`, entry);
}

function moduleText(spec: ts.Expression | undefined): string {
  return spec && ts.isStringLiteral(spec) ? spec.text : '';
}

/** Exported symbols of a list of statements (a module, or a namespace body with `prefix`). */
function collectStatements(statements: readonly ts.Statement[], sf: ts.SourceFile, c: Collector, prefix: string): void {
  // Function overloads: the bodiless signatures are the API when present; the implementation's is not.
  const functions = new Map<string, { exported: string[]; sigs: string[]; bodiless: string[] }>();
  for (const st of statements) {
    const exported = hasModifier(st, ts.SyntaxKind.ExportKeyword);
    const isDefault = hasModifier(st, ts.SyntaxKind.DefaultKeyword);
    const exportName = (name: string | undefined) => (isDefault ? 'default' : name);

    if (ts.isFunctionDeclaration(st)) {
      const key = st.name?.text ?? 'default';
      const f = functions.get(key) ?? { exported: [], sigs: [], bodiless: [] };
      functions.set(key, f);
      const sig = fnSig(st, sf);
      f.sigs.push(sig);
      if (!st.body) f.bodiless.push(sig);
      const name = exported ? exportName(st.name?.text) : undefined;
      if (name !== undefined && !f.exported.includes(name)) f.exported.push(name);
    } else if (ts.isClassDeclaration(st)) {
      const entries = classEntries(st, sf);
      if (st.name) addLocal(c, st.name.text, entries);
      const name = exported ? exportName(st.name?.text) : undefined;
      if (name !== undefined) publish(c, prefix + name, entries);
    } else if (ts.isInterfaceDeclaration(st)) {
      const entries = interfaceEntries(st, sf);
      addLocal(c, st.name.text, entries);
      const name = exported ? exportName(st.name.text) : undefined;
      if (name !== undefined) publish(c, prefix + name, entries);
    } else if (ts.isTypeAliasDeclaration(st)) {
      const entries: Entries = [['', { sig: `type${typeParams(st.typeParameters, sf)} = ${norm(st.type, sf)}` }]];
      addLocal(c, st.name.text, entries);
      if (exported) publish(c, prefix + st.name.text, entries);
    } else if (ts.isEnumDeclaration(st)) {
      const entries = enumEntries(st, sf);
      addLocal(c, st.name.text, entries);
      if (exported) publish(c, prefix + st.name.text, entries);
    } else if (ts.isVariableStatement(st)) {
      const flags = st.declarationList.flags;
      const kind = flags & ts.NodeFlags.Const ? 'const' : flags & ts.NodeFlags.Let ? 'let' : 'var';
      for (const d of st.declarationList.declarations) {
        const sig = `${kind} ${d.type ? `: ${norm(d.type, sf)}` : initializerSig(d.initializer, sf)}`.trimEnd();
        const names: string[] = [];
        if (ts.isIdentifier(d.name)) names.push(d.name.text);
        else {
          // Destructuring: every bound name is exported (nested patterns walked iteratively).
          const stack: ts.BindingName[] = [d.name];
          while (stack.length > 0) {
            const b = stack.pop();
            if (b === undefined) break;
            if (ts.isIdentifier(b)) names.push(b.text);
            else for (const el of b.elements) if (!ts.isOmittedExpression(el)) stack.push(el.name);
          }
        }
        for (const n of names) {
          addLocal(c, n, [['', { sig }]]);
          if (exported) publish(c, prefix + n, [['', { sig }]]);
        }
      }
    } else if (ts.isModuleDeclaration(st)) {
      // `export namespace A.B { export … }`, `declare module 'x' { export … }`.
      let name = ts.isIdentifier(st.name) ? st.name.text : JSON.stringify(st.name.text);
      let body = st.body;
      while (body && ts.isModuleDeclaration(body)) {
        name += `.${body.name.text}`;
        body = body.body;
      }
      const ambientModule = ts.isStringLiteral(st.name);
      if ((exported || ambientModule) && body && ts.isModuleBlock(body)) {
        addEntry(c.api, prefix + name, { sig: 'namespace' });
        collectStatements(body.statements, sf, c, `${prefix}${name}.`);
      }
    } else if (ts.isExportDeclaration(st)) {
      const from = moduleText(st.moduleSpecifier);
      const typeOnly = st.isTypeOnly ? 'type ' : '';
      if (!st.exportClause) {
        addEntry(c.api, `${prefix}*:${from}`, { sig: `${typeOnly}export * from ${from}` });
      } else if (ts.isNamespaceExport(st.exportClause)) {
        addEntry(c.api, prefix + st.exportClause.name.text, { sig: `${typeOnly}* from ${from}` });
      } else {
        for (const el of st.exportClause.elements) {
          const exportedName = el.name.text;
          const localName = (el.propertyName ?? el.name).text;
          const t = st.isTypeOnly || el.isTypeOnly;
          if (st.moduleSpecifier) addEntry(c.api, prefix + exportedName, { sig: `${t ? 'type ' : ''}${localName} from ${from}` });
          else c.pending.push({ exported: prefix + exportedName, local: localName, typeOnly: t });
        }
      }
    } else if (ts.isExportAssignment(st)) {
      const key = prefix + (st.isExportEquals ? 'export=' : 'default');
      const e = st.expression;
      if (ts.isIdentifier(e)) c.pending.push({ exported: key, local: e.text, typeOnly: false });
      else addEntry(c.api, key, { sig: initializerSig(e, sf) || ts.SyntaxKind[e.kind] || 'value' });
    } else if (ts.isImportEqualsDeclaration(st)) {
      const entries: Entries = [['', { sig: `import = ${norm(st.moduleReference, sf)}` }]];
      addLocal(c, st.name.text, entries);
      if (exported) publish(c, prefix + st.name.text, entries);
    } else if (ts.isImportDeclaration(st)) {
      // Imported bindings, so that `import { a } from 'm'; export { a }` has a signature.
      const from = moduleText(st.moduleSpecifier);
      const clause = st.importClause;
      if (clause?.name) addLocal(c, clause.name.text, [['', { sig: `default from ${from}` }]]);
      const nb = clause?.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) addLocal(c, nb.name.text, [['', { sig: `* from ${from}` }]]);
      if (nb && ts.isNamedImports(nb)) {
        for (const el of nb.elements) addLocal(c, el.name.text, [['', { sig: `${(el.propertyName ?? el.name).text} from ${from}` }]]);
      }
    } else if (prefix === '' && ts.isExpressionStatement(st)) {
      collectCommonJs(st.expression, sf, c);
    }
  }
  for (const [name, f] of functions) {
    const sigs = f.bodiless.length > 0 && f.bodiless.length < f.sigs.length ? f.bodiless : f.sigs;
    const entries: Entries = [['', { sig: sigs.join(' | ') }]];
    if (name !== 'default') addLocal(c, name, entries);
    for (const e of f.exported) publish(c, prefix + e, entries);
  }
}

/** `module.exports = …`, `module.exports.x = …`, `exports.x = …` (top level only). */
function collectCommonJs(expr: ts.Expression, sf: ts.SourceFile, c: Collector): void {
  if (!ts.isBinaryExpression(expr) || expr.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return;
  const left = expr.left;
  const right = expr.right;
  const isModuleExports = (e: ts.Expression) =>
    ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'module' && e.name.text === 'exports';
  const valueEntries = (v: ts.Expression): Entries | string => (ts.isIdentifier(v) ? v.text : [['', { sig: initializerSig(v, sf) }]]);
  const publishValue = (key: string, v: ts.Expression) => {
    const r = valueEntries(v);
    if (typeof r === 'string') c.pending.push({ exported: key, local: r, typeOnly: false });
    else publish(c, key, r);
  };
  if (isModuleExports(left)) {
    if (ts.isObjectLiteralExpression(right)) {
      addEntry(c.api, 'module.exports', { sig: 'object' });
      for (const p of right.properties) {
        if (ts.isShorthandPropertyAssignment(p)) c.pending.push({ exported: p.name.text, local: p.name.text, typeOnly: false });
        else if (ts.isPropertyAssignment(p)) publishValue(propertyName(p.name, sf), p.initializer);
        else if (ts.isMethodDeclaration(p)) addEntry(c.api, propertyName(p.name, sf), { sig: fnSig(p, sf) });
      }
    } else publishValue('module.exports', right);
    return;
  }
  if (ts.isPropertyAccessExpression(left)) {
    const target = left.expression;
    if ((ts.isIdentifier(target) && target.text === 'exports') || isModuleExports(target)) publishValue(left.name.text, right);
  }
}

function extractApi(sf: ts.SourceFile): Api {
  const c: Collector = { api: new Map(), locals: new Map(), pending: [] };
  collectStatements(sf.statements, sf, c, '');
  for (const p of c.pending) {
    const entries = c.locals.get(p.local) ?? [['', { sig: `local ${p.local}` }]];
    publish(
      c,
      p.exported,
      entries.map(([s, e]) => [s, p.typeOnly ? { ...e, sig: `type ${e.sig}` } : e]),
    );
  }
  return c.api;
}

const TEXT_EXPORTS: RegExp[] = [
  /\bexport\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\s*\*?|class|interface|type|enum|const\s+enum|const|let|var|namespace)\s+([A-Za-z_$][\w$]*)/g,
  /\bexport\s+(default)\b/g,
  /\b(?:module\.)?exports\.([A-Za-z_$][\w$]*)\s*=/g,
];

/** Exported names found with regular expressions (no parser): the fallback for code that does not parse. */
export function tsTextNames(text: string): Set<string> {
  const names = collectNames(text, TEXT_EXPORTS);
  for (const m of text.matchAll(/\bexport\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of (m[1] ?? '').split(',')) {
      const alias = part.trim().split(/\s+as\s+/).pop()?.replace(/^type\s+/, '').trim();
      if (alias) names.add(alias);
    }
  }
  return names;
}

export function tsModel(text: string, path: string): SourceModel {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, scriptKind(path));
  const diagnostics = (sf as unknown as { parseDiagnostics?: readonly unknown[] }).parseDiagnostics ?? [];
  const parsed = diagnostics.length === 0;
  const shape: string[] = [];
  const comments = new Map<number, number>();
  walk(sf, sf, {
    open: (n) => {
      if (ts.isJsxExpression(n) && n.expression === undefined) {
        // `{/* note */}` in JSX holds nothing but a comment: it is a comment.
        comments.set(n.getStart(sf), n.end);
        return false;
      }
      shape.push(`(${n.kind}`);
      return true;
    },
    close: () => shape.push(')'),
    leaf: (t, s) => {
      if (t.kind === ts.SyntaxKind.JsxText) {
        // JSX text is not trivia (`<p>// x</p>` is text): its words count, the layout of its whitespace not.
        shape.push(s.trim().replace(/\s+/g, ' '));
        return;
      }
      if (s !== '') shape.push(JSON.stringify(s));
      // Comments live in the trivia before each token.
      for (const r of ts.getLeadingCommentRanges(text, t.pos) ?? []) comments.set(r.pos, r.end);
      for (const r of ts.getTrailingCommentRanges(text, t.pos) ?? []) comments.set(r.pos, r.end);
    },
  });
  return {
    parsed,
    code: stripRanges(text, [...comments]),
    shape: shape.join('\u0000'),
    api: extractApi(sf),
    textNames: tsTextNames(text),
  };
}

