/**
 * Pass/fail counts from a test runner: the JUnit XML when named, else the runner's own summary
 * (node's test runner, vitest, jest, pytest, go test), else null (the exit code decides).
 */
export interface Counts {
  passed: number;
  failed: number;
}

const num = (s: string | undefined): number => (s ? Number(s) : 0);

/** Sum `<testsuite tests= failures= errors= skipped=>` (or the `<testsuites>` root when it carries totals). */
export function parseJunit(xml: string): Counts | null {
  const attrs = (tag: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const m of tag.matchAll(/([A-Za-z_:][-\w:.]*)\s*=\s*"([^"]*)"/g)) out[m[1]!] = m[2]!;
    return out;
  };
  const count = (a: Record<string, string>): Counts => {
    const tests = num(a.tests);
    const failed = num(a.failures) + num(a.errors);
    const skipped = num(a.skipped) + num(a.disabled);
    return { passed: Math.max(0, tests - failed - skipped), failed };
  };
  const root = /<testsuites\b[^>]*>/.exec(xml);
  if (root) {
    const a = attrs(root[0]);
    if (a.tests !== undefined) return count(a);
  }
  const suites = [...xml.matchAll(/<testsuite\b[^>]*>/g)];
  if (suites.length === 0) return null;
  const total: Counts = { passed: 0, failed: 0 };
  for (const s of suites) {
    const c = count(attrs(s[0]));
    total.passed += c.passed;
    total.failed += c.failed;
  }
  return total;
}

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export function parseSummary(output: string): Counts | null {
  const text = output.replace(ANSI, '');
  // node --test (TAP / spec reporter): "# pass 3" / "# fail 1" or "ℹ pass 3"
  const nodePass = [...text.matchAll(/^(?:#|ℹ)\s+pass\s+(\d+)\s*$/gm)].at(-1);
  const nodeFail = [...text.matchAll(/^(?:#|ℹ)\s+fail\s+(\d+)\s*$/gm)].at(-1);
  if (nodePass || nodeFail) return { passed: num(nodePass?.[1]), failed: num(nodeFail?.[1]) };
  // vitest: "Tests  2 failed | 5 passed (7)"
  const vitest = [...text.matchAll(/^\s*Tests\s+(.*\(\d+\))\s*$/gm)].at(-1);
  if (vitest) {
    const body = vitest[1]!;
    return { passed: num(/(\d+) passed/.exec(body)?.[1]), failed: num(/(\d+) failed/.exec(body)?.[1]) };
  }
  // jest: "Tests:       1 failed, 2 passed, 3 total"
  const jest = [...text.matchAll(/^Tests:\s+(.*total)\s*$/gm)].at(-1);
  if (jest) {
    const body = jest[1]!;
    return { passed: num(/(\d+) passed/.exec(body)?.[1]), failed: num(/(\d+) failed/.exec(body)?.[1]) };
  }
  // pytest: "==== 3 passed, 1 failed in 0.12s ====" (also "1 error")
  const pytest = [...text.matchAll(/^=+ (.*\bin [\d.]+s.*?) =+\s*$/gm)].at(-1);
  if (pytest && /\d+ (passed|failed|error)/.test(pytest[1]!)) {
    const body = pytest[1]!;
    return {
      passed: num(/(\d+) passed/.exec(body)?.[1]),
      failed: num(/(\d+) failed/.exec(body)?.[1]) + num(/(\d+) errors?/.exec(body)?.[1]),
    };
  }
  // go test -v: "--- PASS: TestX" / "--- FAIL: TestY"
  const goPass = text.match(/^\s*--- PASS: /gm)?.length ?? 0;
  const goFail = text.match(/^\s*--- FAIL: /gm)?.length ?? 0;
  if (goPass || goFail) return { passed: goPass, failed: goFail };
  // "N passed, N failed" alone on a line
  const plain = [...text.matchAll(/^(?:\w+:\s*)?(\d+) passed, (\d+) failed/gm)].at(-1);
  if (plain) return { passed: num(plain[1]), failed: num(plain[2]) };
  return null;
}
