import type { parser as pythonParser } from '@lezer/python';

/** Syntax tree types of the lezer parsers (`@lezer/common`, reached through the parsers' own types). */
export type Tree = ReturnType<(typeof pythonParser)['parse']>;
export type SyntaxNode = Tree['topNode'];

export interface LezerLanguage {
  /** Node names that are comments. */
  comments: ReadonlySet<string>;
  /** Node names emitted verbatim as one token (strings: their whitespace is content, not layout). */
  atomic: ReadonlySet<string>;
  /** Node names that `isDoc` is asked about (kept small: `isDoc` inspects neighbours). */
  docCandidates?: ReadonlySet<string>;
  /** Documentation that is code to the parser (Python docstrings): treated like a comment. */
  isDoc?(node: SyntaxNode): boolean;
}

export interface Sink {
  token(text: string): void;
  open?(name: string): void;
  close?(): void;
  comment?(from: number, to: number): void;
  error?(): void;
}

/**
 * Walks a subtree in source order: named nodes open and close, their tokens (named leaves, and the text
 * between named children, such as anonymous operators) are emitted without whitespace; comments are reported
 * and skipped. Iterative (a lezer cursor), so deep trees cannot overflow the stack.
 */
export function lezerWalk(root: SyntaxNode, text: string, lang: LezerLanguage, sink: Sink): void {
  const c = root.cursor();
  let pos = root.from;
  let depth = 0;
  const gap = (to: number) => {
    if (to > pos) {
      const g = text
        .slice(pos, to)
        .replace(/\\\r?\n/g, '')
        .replace(/\s+/g, '');
      if (g !== '') sink.token(g);
      pos = to;
    }
  };
  const enter = (): boolean => {
    gap(c.from);
    const name = c.name;
    if (c.type.isError) sink.error?.();
    if (lang.comments.has(name)) {
      sink.comment?.(c.from, c.to);
      pos = Math.max(pos, c.to);
      return false;
    }
    if (lang.isDoc && lang.docCandidates?.has(name) && lang.isDoc(c.node)) {
      sink.comment?.(c.from, c.to);
      sink.token('(doc)');
      pos = Math.max(pos, c.to);
      return false;
    }
    if (lang.atomic.has(name)) {
      sink.token(text.slice(c.from, c.to));
      pos = Math.max(pos, c.to);
      return false;
    }
    sink.open?.(name);
    return true;
  };
  const leave = () => {
    gap(c.to);
    sink.close?.();
  };
  for (;;) {
    const descend = enter();
    if (descend && c.firstChild()) {
      depth++;
      continue;
    }
    if (descend) leave();
    for (;;) {
      if (depth === 0) return;
      if (c.nextSibling()) break;
      c.parent();
      depth--;
      leave();
    }
  }
}

/** Shape, comment ranges and syntax-error flag of a whole tree. */
export function lezerShape(tree: Tree, text: string, lang: LezerLanguage): { shape: string; comments: Array<[number, number]>; errors: number } {
  const shape: string[] = [];
  const comments: Array<[number, number]> = [];
  let errors = 0;
  lezerWalk(tree.topNode, text, lang, {
    token: (t) => shape.push(JSON.stringify(t)),
    open: (n) => shape.push(`(${n}`),
    close: () => shape.push(')'),
    comment: (from, to) => comments.push([from, to]),
    error: () => {
      errors++;
    },
  });
  return { shape: shape.join('\u0000'), comments, errors };
}

/** A subtree's tokens joined by single spaces (comments and layout normalised away). */
export function lezerNorm(node: SyntaxNode | null | undefined, text: string, lang: LezerLanguage): string {
  if (!node) return '';
  const out: string[] = [];
  lezerWalk(node, text, lang, { token: (t) => out.push(t) });
  return out.join(' ');
}

/** Direct children of a node. */
export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let ch = node.firstChild; ch; ch = ch.nextSibling) out.push(ch);
  return out;
}

/** Descendants with one of `names` (not descending into matches), iteratively. */
export function descendants(node: SyntaxNode, names: ReadonlySet<string>): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const stack: SyntaxNode[] = children(node).reverse();
  while (stack.length > 0) {
    const n = stack.pop();
    if (!n) break;
    if (names.has(n.name)) out.push(n);
    else stack.push(...children(n).reverse());
  }
  return out;
}
