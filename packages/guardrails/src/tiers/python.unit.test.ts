import { describe, expect, it } from 'vitest';
import { classifySnapshots } from './harness.js';
import { pythonModel } from './python-model.js';

const P = 'app/pricing.py';

const PRICING = `"""Pricing helpers."""
from decimal import Decimal

TAX = Decimal("0.2")


def net_price(amount: Decimal, discount: Decimal = Decimal(0)) -> Decimal:
    """Price after discount."""
    return amount - discount


def _round(value):
    return value.quantize(Decimal("0.01"))


class Invoice:
    """An invoice."""

    currency: str = "EUR"

    def __init__(self, lines):
        self.lines = lines

    def total(self) -> Decimal:
        return _round(sum(self.lines))

    def _cache_key(self):
        return id(self)
`;

async function tierOf(before: string, after: string, path = P) {
  return classifySnapshots({ [path]: before }, { [path]: after });
}

const api = (reasons: string[]) => reasons.filter((r) => r.startsWith('api-change:'));

describe('Python: low', () => {
  it('comments and docstrings only', async () => {
    const after = PRICING.replace('"""Price after discount."""', '"""Price after discount.\n\n    Never negative for valid input.\n    """')
      .replace('    def total(self) -> Decimal:', '    # Sum of all lines, rounded to cents.\n    def total(self) -> Decimal:  # noqa: D401')
      .replace('"""An invoice."""', '"""An invoice (immutable)."""');
    expect(await tierOf(PRICING, after)).toEqual({ tier: 'low', reasons: [`comment-only:${P}`] });
  });

  it('a reformat (spacing, wrapping inside brackets, quote-free) is format-only', async () => {
    const after = PRICING.replace(
      'def net_price(amount: Decimal, discount: Decimal = Decimal(0)) -> Decimal:',
      'def net_price(\n    amount: Decimal,\n    discount: Decimal = Decimal(0)\n) -> Decimal:',
    ).replace('return _round(sum(self.lines))', 'return _round( sum( self.lines ) )');
    expect(await tierOf(PRICING, after)).toEqual({ tier: 'low', reasons: [`format-only:${P}`] });
  });

  it('re-indenting a statement out of its block is not format-only', async () => {
    const before = 'def f(x):\n    if x:\n        print(x)\n        return 1\n    return 0\n';
    const after = 'def f(x):\n    if x:\n        print(x)\n    return 1\n    return 0\n';
    expect((await tierOf(before, after, 'app/f.py')).tier).toBe('medium');
  });
});

describe('Python: medium', () => {
  it('a body-only change is a refactor', async () => {
    const after = PRICING.replace('return amount - discount', 'return max(amount - discount, Decimal(0))');
    expect(await tierOf(PRICING, after)).toEqual({ tier: 'medium', reasons: [`refactor:${P}`] });
  });

  it('private functions and methods may change or go', async () => {
    const after = PRICING.replace(/\n\ndef _round\(value\):\n {4}return value\.quantize\(Decimal\("0\.01"\)\)\n/, '\n')
      .replace('return _round(sum(self.lines))', 'return sum(self.lines)')
      .replace(/\n\n {4}def _cache_key\(self\):\n {8}return id\(self\)\n/, '\n');
    expect(await tierOf(PRICING, after)).toEqual({ tier: 'medium', reasons: [`refactor:${P}`] });
  });

  it('adding a public function is not an API change', async () => {
    const r = await tierOf(PRICING, `${PRICING}\n\ndef gross_price(amount):\n    return amount * (1 + TAX)\n`);
    expect(r).toEqual({ tier: 'medium', reasons: [`refactor:${P}`] });
  });

  it('test files are test-only', async () => {
    const before = 'from app.pricing import net_price\n\n\ndef test_net():\n    assert net_price(2, 1) == 1\n';
    const after = `${before}\n\ndef test_zero():\n    assert net_price(0) == 0\n`;
    expect(await tierOf(before, after, 'tests/test_pricing.py')).toEqual({ tier: 'medium', reasons: ['test-only:tests/test_pricing.py'] });
    expect((await tierOf(before, after, 'app/pricing_test.py')).reasons).toEqual(['test-only:app/pricing_test.py']);
  });

  it('with __all__, only the listed names are API', async () => {
    const before = '__all__ = ["public_a"]\n\ndef public_a(x):\n    return x\n\ndef helper(y):\n    return y\n';
    const after = '__all__ = ["public_a"]\n\ndef public_a(x):\n    return x\n';
    expect((await tierOf(before, after, 'lib/m.py')).tier).toBe('medium');
  });
});

describe('Python: API changes (high)', () => {
  it('removing a public def', async () => {
    const after = PRICING.replace(/\n\ndef net_price[\s\S]*?return amount - discount\n/, '\n');
    const r = await tierOf(PRICING, after);
    expect(r.tier).toBe('high');
    expect(api(r.reasons)).toEqual([`api-change:${P}#net_price`]);
  });

  it('changing parameters (a default dropped, a keyword renamed)', async () => {
    const dropped = PRICING.replace('discount: Decimal = Decimal(0)', 'discount: Decimal');
    expect(api((await tierOf(PRICING, dropped)).reasons)).toEqual([`api-change:${P}#net_price`]);
    const renamed = PRICING.replace('def __init__(self, lines):', 'def __init__(self, items):');
    expect(api((await tierOf(PRICING, renamed)).reasons)).toEqual([`api-change:${P}#Invoice.__init__`]);
  });

  it('changing a return annotation', async () => {
    const after = PRICING.replace('def total(self) -> Decimal:', 'def total(self) -> float:');
    expect(api((await tierOf(PRICING, after)).reasons)).toEqual([`api-change:${P}#Invoice.total`]);
  });

  it('removing a public method or class attribute', async () => {
    const after = PRICING.replace(/\n {4}currency: str = "EUR"\n/, '').replace(
      /\n\n {4}def total\(self\) -> Decimal:\n {8}return _round\(sum\(self\.lines\)\)\n/,
      '\n',
    );
    expect(api((await tierOf(PRICING, after)).reasons).sort()).toEqual([`api-change:${P}#Invoice.currency`, `api-change:${P}#Invoice.total`]);
  });

  it('dropping a name from __all__', async () => {
    const before = '__all__ = ["a", "b"]\n\ndef a():\n    pass\n\ndef b():\n    pass\n';
    const after = '__all__ = ["a"]\n\ndef a():\n    pass\n\ndef b():\n    pass\n';
    expect(api((await tierOf(before, after, 'lib/m.py')).reasons)).toEqual(['api-change:lib/m.py#b']);
  });

  it('unparsable code that loses a public def textually', async () => {
    const after = PRICING.replace(/def net_price[\s\S]*?return amount - discount\n/, 'def (\n');
    const r = await tierOf(PRICING, after);
    expect(r.tier).toBe('high');
    expect(r.reasons).toContain(`api-change:${P}#net_price`);
  });
});

describe('pythonModel', () => {
  it('publishes public defs, classes and members with their parameter text', () => {
    const m = pythonModel(PRICING);
    expect(m.parsed).toBe(true);
    expect([...m.api.keys()]).toEqual(['net_price', 'Invoice', 'Invoice.currency', 'Invoice.__init__', 'Invoice.total']);
    expect(m.api.get('net_price')?.sig).toBe('def( amount : Decimal , discount : Decimal = Decimal ( 0 ) ) -> Decimal');
  });

  it('flags syntax errors', () => {
    expect(pythonModel('def f(:\n  pass\n').parsed).toBe(false);
  });
});
