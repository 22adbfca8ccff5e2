import { parser } from '@lezer/python';
import { children, descendants, type LezerLanguage, lezerNorm, lezerShape, type SyntaxNode } from './lezer.js';
import { type Api, type ApiEntry, addEntry, collectNames, type SourceModel, stripRanges } from './model.js';

/** Python, analysed with the lezer Python parser. */

/** A docstring: a lone string statement that comes first in a module, class or function body. */
function isDocstring(node: SyntaxNode): boolean {
  const first = node.firstChild;
  if (!first || (first.name !== 'String' && first.name !== 'ContinuedString') || first.nextSibling) return false;
  const parent = node.parent;
  if (!parent) return false;
  const owner = parent.parent?.name;
  if (parent.name !== 'Script' && !(parent.name === 'Body' && (owner === 'FunctionDefinition' || owner === 'ClassDefinition'))) return false;
  let prev = node.prevSibling;
  while (prev && (prev.name === 'Comment' || prev.name === ':')) prev = prev.prevSibling;
  return prev === null;
}

export const PYTHON: LezerLanguage = {
  comments: new Set(['Comment']),
  atomic: new Set(['String', 'FormatString']),
  docCandidates: new Set(['ExpressionStatement']),
  isDoc: isDocstring,
};

/** Public in Python's convention: no leading underscore, except dunders (`__init__`, `__eq__`, …). */
function isPublic(name: string): boolean {
  return !name.startsWith('_') || (name.length > 4 && name.startsWith('__') && name.endsWith('__'));
}

/** Decorators that change how a member is called, hence its signature. */
const SIGNATURE_DECORATORS = new Set(['staticmethod', 'classmethod', 'property', 'setter', 'getter', 'deleter', 'abstractmethod', 'overload', 'cached_property']);

function decorators(node: SyntaxNode, text: string): string {
  const out: string[] = [];
  for (const d of node.getChildren('Decorator')) {
    const names = d.getChildren('VariableName');
    const last = names[names.length - 1];
    if (last && SIGNATURE_DECORATORS.has(text.slice(last.from, last.to))) out.push(lezerNorm(d, text, PYTHON));
  }
  return out.length > 0 ? `${out.join(' ')} ` : '';
}

function nameOf(node: SyntaxNode, text: string): string | undefined {
  const n = node.getChild('VariableName');
  return n ? text.slice(n.from, n.to) : undefined;
}

type Entries = Array<[suffix: string, entry: ApiEntry]>;

function defSig(fn: SyntaxNode, deco: string, text: string): string {
  const isAsync = fn.firstChild?.name === 'async' ? 'async ' : '';
  const tp = lezerNorm(fn.getChild('TypeParamList'), text, PYTHON);
  const params = lezerNorm(fn.getChild('ParamList'), text, PYTHON);
  const ret = lezerNorm(fn.getChild('TypeDef'), text, PYTHON);
  return `${deco}${isAsync}def${tp}${params}${ret ? ` ${ret}` : ''}`;
}

/** The definition inside a statement (unwrapping decorators) with the decorators that matter. */
function definition(st: SyntaxNode, text: string): { node: SyntaxNode; deco: string } | undefined {
  if (st.name === 'FunctionDefinition' || st.name === 'ClassDefinition') return { node: st, deco: '' };
  if (st.name === 'DecoratedStatement') {
    const inner = st.getChild('FunctionDefinition') ?? st.getChild('ClassDefinition');
    if (inner) return { node: inner, deco: decorators(st, text) };
  }
  return undefined;
}

/** A class and its public members (methods, annotated and plain class attributes, nested classes). */
function classEntries(cls: SyntaxNode, deco: string, text: string): Entries {
  const tp = lezerNorm(cls.getChild('TypeParamList'), text, PYTHON);
  const out: Entries = [['', { sig: `${deco}class${tp}${lezerNorm(cls.getChild('ArgList'), text, PYTHON)}` }]];
  const members: Api = new Map();
  const body = cls.getChild('Body');
  for (const st of body ? children(body) : []) {
    const def = definition(st, text);
    if (def) {
      const name = nameOf(def.node, text);
      if (name === undefined || !isPublic(name)) continue;
      if (def.node.name === 'FunctionDefinition') addEntry(members, `.${name}`, { sig: defSig(def.node, def.deco, text) });
      else for (const [suffix, e] of classEntries(def.node, def.deco, text)) addEntry(members, `.${name}${suffix}`, e);
    } else if (st.name === 'AssignStatement') {
      const target = st.firstChild;
      if (target?.name !== 'VariableName') continue;
      const name = text.slice(target.from, target.to);
      if (!isPublic(name)) continue;
      const type = st.getChild('TypeDef');
      const hasDefault = st.getChild('AssignOp') !== null;
      addEntry(members, `.${name}`, { sig: `attribute${type ? ` ${lezerNorm(type, text, PYTHON)}` : ''}${hasDefault ? ' =' : ''}` });
    }
  }
  for (const [k, v] of members) out.push([k, v]);
  return out;
}

const STRINGS = new Set(['String']);

function stringValues(node: SyntaxNode, text: string): string[] {
  return descendants(node, STRINGS).map((s) => text.slice(s.from, s.to).replace(/^[rRuUbB]*("""|'''|"|')/, '').replace(/("""|'''|"|')$/, ''));
}

function extractApi(top: SyntaxNode, text: string): Api {
  const defs = new Map<string, Entries>();
  const otherNames = new Set<string>();
  let all: string[] | null = null;
  for (const st of children(top)) {
    const def = definition(st, text);
    if (def) {
      const name = nameOf(def.node, text);
      if (name === undefined) continue;
      const entries: Entries =
        def.node.name === 'FunctionDefinition' ? [['', { sig: defSig(def.node, def.deco, text) }]] : classEntries(def.node, def.deco, text);
      defs.set(name, [...(defs.get(name) ?? []), ...entries]);
    } else if (st.name === 'AssignStatement' || st.name === 'UpdateStatement') {
      const target = st.firstChild;
      if (target?.name !== 'VariableName') continue;
      const name = text.slice(target.from, target.to);
      if (name === '__all__') {
        // `__all__ = [...]`, `__all__ += [...]`: the names a star import gives (and the declared API).
        const values = stringValues(st, text);
        all = st.name === 'UpdateStatement' ? [...(all ?? []), ...values] : values;
      } else otherNames.add(name);
    } else if (st.name === 'ImportStatement') {
      // `from m import a as b`: the bound names (`b`), for `__all__` entries that re-export them.
      for (const v of st.getChildren('VariableName')) otherNames.add(text.slice(v.from, v.to));
    }
  }
  const api: Api = new Map();
  const publish = (name: string, entries: Entries) => {
    for (const [suffix, e] of entries) addEntry(api, `${name}${suffix}`, e);
  };
  if (all !== null) {
    for (const name of all) publish(name, defs.get(name) ?? [['', { sig: otherNames.has(name) ? 'name' : 'undefined' }]]);
  } else {
    for (const [name, entries] of defs) if (!name.startsWith('_')) publish(name, entries);
  }
  return api;
}

const TEXT_DEFS = [/^(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)/gm, /^class[ \t]+([A-Za-z_]\w*)/gm];

export function pythonTextNames(text: string): Set<string> {
  return new Set([...collectNames(text, TEXT_DEFS)].filter((n) => !n.startsWith('_')));
}

export function pythonModel(text: string): SourceModel {
  const tree = parser.parse(text);
  const { shape, comments, errors } = lezerShape(tree, text, PYTHON);
  return {
    parsed: errors === 0,
    code: stripRanges(text, comments),
    shape,
    api: extractApi(tree.topNode, text),
    textNames: pythonTextNames(text),
  };
}
