import type { GitRunner } from './runner.js';

/**
 * What a batched read gives: the blob's bytes; null when the path is absent from the tree or not a file;
 * `missing` when the tree itself is not in the repository.
 */
export type BatchedRead = Buffer | null | 'missing';

interface Request {
  tree: string;
  path: string;
  resolve: (r: BatchedRead) => void;
  reject: (e: unknown) => void;
}

/**
 * Reads of `<tree>:<path>` asked for in the same turn of the event loop go to one `git cat-file --batch` per
 * repository instead of one process each: the tier classifier reads the before and after of every changed
 * file at once, 2,000 processes for a 1,000-file change (~6 s on two cores) where one does it in milliseconds.
 * Object names are one per line, so callers keep paths with a line break (CR or LF) for `cat-file blob`.
 */
export function createBlobBatcher(run: GitRunner): (root: string, tree: string, path: string) => Promise<BatchedRead> {
  const pending = new Map<string, Request[]>();
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const batches = [...pending];
    pending.clear();
    for (const [root, requests] of batches) void readBatch(run, root, requests);
  };

  return (root, tree, path) =>
    new Promise<BatchedRead>((resolve, reject) => {
      const list = pending.get(root) ?? [];
      if (list.length === 0) pending.set(root, list);
      list.push({ tree, path, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}

async function readBatch(run: GitRunner, root: string, requests: Request[]): Promise<void> {
  try {
    // Each path, then each tree itself: a path git does not find is absent when its tree exists.
    const trees = [...new Set(requests.map((r) => r.tree))];
    const names = [...requests.map((r) => `${r.tree}:${r.path}`), ...trees.map((t) => `${t}^{tree}`)];
    const res = await run.exec(root, ['cat-file', '--batch'], { input: `${names.join('\n')}\n` });
    const out = res.stdout;
    let at = 0;
    const next = (): { type: string; content: Buffer } | null => {
      const nl = out.indexOf(10, at);
      if (nl < 0) throw new Error(`cat-file --batch ended early (${names.length} objects asked for)`);
      const header = out.subarray(at, nl).toString('utf8');
      at = nl + 1;
      // `<name> missing` / `<name> ambiguous`, or `<oid> <type> <size>` followed by the content and a newline.
      const m = /^[0-9a-f]{40,64} (\w+) (\d+)$/.exec(header);
      if (!m) return null;
      const size = Number(m[2]);
      const content = out.subarray(at, at + size);
      at += size + 1;
      return { type: m[1]!, content };
    };
    const found = requests.map(() => next());
    const treeExists = new Map(trees.map((t) => [t, next()?.type === 'tree']));
    requests.forEach((r, i) => {
      const obj = found[i];
      if (obj) r.resolve(obj.type === 'blob' ? Buffer.from(obj.content) : null);
      else r.resolve(treeExists.get(r.tree) ? null : 'missing');
    });
  } catch (e) {
    for (const r of requests) r.reject(e);
  }
}
