import { parser } from '@lezer/java';
import { children, type LezerLanguage, lezerNorm, lezerShape, type SyntaxNode } from './lezer.js';
import { type Api, addEntry, collectNames, type SourceModel, stripRanges } from './model.js';

/** Java, analysed with the lezer Java parser. */

export const JAVA: LezerLanguage = {
  comments: new Set(['LineComment', 'BlockComment']),
  atomic: new Set(['StringLiteral', 'TextBlock', 'CharacterLiteral']),
};

const TYPE_DECLARATIONS: Record<string, string> = {
  ClassDeclaration: 'class',
  InterfaceDeclaration: 'interface',
  EnumDeclaration: 'enum',
  RecordDeclaration: 'record',
  AnnotationTypeDeclaration: '@interface',
};

const BODIES = new Set(['ClassBody', 'InterfaceBody', 'EnumBody', 'RecordBody', 'AnnotationTypeBody']);

/** Modifiers that are part of an API signature, in canonical order (annotations and `synchronized` are not). */
const API_MODIFIERS = ['public', 'protected', 'abstract', 'static', 'final', 'default', 'sealed', 'non-sealed'];

function modifiers(node: SyntaxNode, text: string): Set<string> {
  const out = new Set<string>();
  const mods = node.getChild('Modifiers');
  if (!mods) return out;
  let prev = '';
  for (const m of children(mods)) {
    const word = text.slice(m.from, m.to);
    if (m.name === 'MarkerAnnotation' || m.name === 'Annotation') continue;
    if (word === 'sealed' && prev === 'non') {
      out.delete('non');
      out.add('non-sealed');
    } else out.add(word);
    prev = word;
  }
  return out;
}

function modText(mods: Set<string>): string {
  return API_MODIFIERS.filter((m) => mods.has(m)).join(' ');
}

/** The text of a node's children except the listed ones (a parameter's type without its name). */
function normExcept(node: SyntaxNode, skip: ReadonlySet<string>, text: string): string {
  return children(node)
    .filter((ch) => !skip.has(ch.name))
    .map((ch) => lezerNorm(ch, text, JAVA))
    .filter((s) => s !== '')
    .join(' ');
}

const PARAM_SKIP = new Set(['Modifiers', 'Definition', 'VariableDeclarator']);

function paramTypes(method: SyntaxNode, text: string): string {
  const params = method.getChild('FormalParameters');
  if (!params) return '';
  const out: string[] = [];
  for (const p of children(params)) {
    if (p.name === 'FormalParameter') out.push(normExcept(p, PARAM_SKIP, text));
    else if (p.name === 'SpreadParameter') out.push(`${normExcept(p, PARAM_SKIP, text).replace(/\s*\.\.\.$/, '')}...`);
  }
  return out.join(',').replace(/\s+/g, '');
}

function definitionName(node: SyntaxNode, text: string): string | undefined {
  const d = node.getChild('Definition') ?? node.getChild('Identifier');
  return d ? text.slice(d.from, d.to) : undefined;
}

/**
 * A visible type and its visible members. Top level: `public` types; members: `public` and `protected`
 * ones, or everything not `private` inside an interface or annotation type (implicitly public there).
 */
function typeEntries(node: SyntaxNode, prefix: string, implicitPublic: boolean, text: string, api: Api): void {
  const kind = TYPE_DECLARATIONS[node.name];
  const name = definitionName(node, text);
  if (kind === undefined || name === undefined) return;
  const mods = modifiers(node, text);
  if (mods.has('private')) return;
  if (implicitPublic) mods.add('public');
  if (!mods.has('public') && !mods.has('protected')) return;
  const key = `${prefix}${name}`;
  const header = ['TypeParameters', 'Superclass', 'SuperInterfaces', 'ExtendsInterfaces', 'Permits', 'RecordHeader']
    .map((n) => lezerNorm(node.getChild(n), text, JAVA))
    .filter((s) => s !== '');
  addEntry(api, key, { sig: [modText(mods), kind, ...header].filter((s) => s !== '').join(' ') });

  const inInterface = kind === 'interface' || kind === '@interface';
  const abstractClass = mods.has('abstract');
  const body = children(node).find((ch) => BODIES.has(ch.name));
  if (!body) return;
  const members: SyntaxNode[] = [];
  for (const ch of children(body)) {
    if (ch.name === 'EnumConstant') {
      const c = definitionName(ch, text);
      if (c !== undefined) addEntry(api, `${key}.${c}`, { sig: 'enum constant' });
    } else if (ch.name === 'EnumBodyDeclarations') members.push(...children(ch));
    else members.push(ch);
  }
  for (const m of members) {
    if (m.name in TYPE_DECLARATIONS) {
      typeEntries(m, `${key}.`, inInterface, text, api);
      continue;
    }
    const mm = modifiers(m, text);
    if (mm.has('private')) continue;
    if (inInterface) mm.add('public');
    if (!mm.has('public') && !mm.has('protected')) continue;
    if (m.name === 'MethodDeclaration') {
      const mName = definitionName(m, text);
      if (mName === undefined) continue;
      const hasBody = m.getChild('Block') !== null;
      if (inInterface && !hasBody && !mm.has('static') && !mm.has('default')) mm.add('abstract');
      // Return type: whatever sits between the modifiers/type parameters and the method's name.
      const parts: string[] = [];
      for (const ch of children(m)) {
        if (ch.name === 'Definition') break;
        if (ch.name === 'Modifiers' || ch.name === 'MarkerAnnotation' || ch.name === 'Annotation') continue;
        parts.push(lezerNorm(ch, text, JAVA));
      }
      const throws = lezerNorm(m.getChild('Throws'), text, JAVA);
      const sig = [modText(mm), ...parts, throws].filter((s) => s !== '').join(' ');
      addEntry(api, `${key}.${mName}(${paramTypes(m, text)})`, {
        sig,
        breaksWhenAdded: mm.has('abstract') && (inInterface || abstractClass),
      });
    } else if (m.name === 'ConstructorDeclaration') {
      const throws = lezerNorm(m.getChild('Throws'), text, JAVA);
      const tp = lezerNorm(m.getChild('TypeParameters'), text, JAVA);
      addEntry(api, `${key}.${name}(${paramTypes(m, text)})`, { sig: [modText(mm), tp, 'constructor', throws].filter((s) => s !== '').join(' ') });
    } else if (m.name === 'FieldDeclaration' || m.name === 'ConstantDeclaration') {
      if (inInterface) {
        mm.add('static');
        mm.add('final');
      }
      const type = normExcept(m, new Set(['Modifiers', 'VariableDeclarator', ',', ';']), text);
      for (const v of m.getChildren('VariableDeclarator')) {
        const fName = definitionName(v, text);
        const dims = v.getChildren('Dimension').map(() => '[]').join('');
        if (fName !== undefined) addEntry(api, `${key}.${fName}`, { sig: `${modText(mm)} ${type}${dims}`.trim() });
      }
    } else if (m.name === 'AnnotationTypeElementDeclaration') {
      const eName = definitionName(m, text);
      const type = normExcept(m, new Set(['Modifiers', 'Identifier', '(', ')', 'Dimension']), text);
      if (eName !== undefined) addEntry(api, `${key}.${eName}()`, { sig: type, breaksWhenAdded: !/\bdefault\b/.test(type) });
    }
  }
}

function extractApi(top: SyntaxNode, text: string): Api {
  const api: Api = new Map();
  for (const st of children(top)) if (st.name in TYPE_DECLARATIONS) typeEntries(st, '', false, text, api);
  return api;
}

const TEXT_NAMES = [
  /\bpublic\s+(?:(?:static|final|abstract|sealed|non-sealed|strictfp)\s+)*(?:class|interface|enum|record|@interface)\s+([A-Za-z_$][\w$]*)/g,
  /\b(?:public|protected)\s+(?:(?:static|final|abstract|synchronized|native|default)\s+)*(?:<[^>]*>\s*)?[\w$.<>[\],?\s]+?\s+([A-Za-z_$][\w$]*)\s*\(/g,
];

export function javaTextNames(text: string): Set<string> {
  return collectNames(text, TEXT_NAMES);
}

export function javaModel(text: string): SourceModel {
  const tree = parser.parse(text);
  const { shape, comments, errors } = lezerShape(tree, text, JAVA);
  return {
    parsed: errors === 0,
    code: stripRanges(text, comments),
    shape,
    api: extractApi(tree.topNode, text),
    textNames: javaTextNames(text),
  };
}
