import { describe, expect, it } from 'vitest';
import { classifySnapshots } from './harness.js';
import { javaModel } from './java-model.js';

const P = 'src/main/java/com/acme/Greeter.java';

const GREETER = `package com.acme;

import java.util.List;

/**
 * Greets people.
 */
public class Greeter {
    public static final String DEFAULT = "world";
    private final String prefix;

    public Greeter(String prefix) {
        this.prefix = prefix;
    }

    public String greet(String name) {
        return prefix + ", " + name + "!";
    }

    public List<String> greetAll(List<String> names) {
        return names.stream().map(this::greet).toList();
    }

    protected int count() {
        return 1;
    }

    private String normalise(String s) {
        return s.trim();
    }
}
`;

async function tierOf(before: string, after: string, path = P) {
  return classifySnapshots({ [path]: before }, { [path]: after });
}

const api = (reasons: string[]) => reasons.filter((r) => r.startsWith('api-change:'));

describe('Java: low', () => {
  it('Javadoc, line and block comments only', async () => {
    const after = GREETER.replace('    public String greet(String name) {', '    /** Greets one person. */\n    public String greet(String name) { // hot path')
      .replace('        return 1;', '        return 1; /* always one */');
    expect(await tierOf(GREETER, after)).toEqual({ tier: 'low', reasons: [`comment-only:${P}`] });
  });

  it('a reformat is format-only', async () => {
    const after = GREETER.replace('    public String greet(String name) {\n        return prefix + ", " + name + "!";\n    }', '    public String greet(String name)\n    {\n      return prefix+", "+name+"!";\n    }')
      .replace('public List<String> greetAll(List<String> names)', 'public List< String > greetAll( List<String>   names )');
    expect(await tierOf(GREETER, after)).toEqual({ tier: 'low', reasons: [`format-only:${P}`] });
  });
});

describe('Java: medium', () => {
  it('a body-only change is a refactor', async () => {
    const after = GREETER.replace('return prefix + ", " + name + "!";', 'return String.format("%s, %s!", prefix, normalise(name));');
    expect(await tierOf(GREETER, after)).toEqual({ tier: 'medium', reasons: [`refactor:${P}`] });
  });

  it('private members and parameter names may change; public methods may be added', async () => {
    const after = GREETER.replace('private String normalise(String s) {\n        return s.trim();', 'private String normalise(String text, boolean strip) {\n        return strip ? text.strip() : text;')
      .replace('public String greet(String name) {\n        return prefix + ", " + name + "!";', 'public String greet(String who) {\n        return prefix + ", " + who + "!";')
      .replace('    protected int count() {', '    public String farewell(String name) {\n        return "Bye, " + name;\n    }\n\n    protected int count() {');
    expect(await tierOf(GREETER, after)).toEqual({ tier: 'medium', reasons: [`refactor:${P}`] });
  });

  it('JUnit tests are test-only', async () => {
    const t = 'src/test/java/com/acme/GreeterTest.java';
    const before = 'package com.acme;\n\nclass GreeterTest {\n    @Test void greets() { assertEquals("Hi, a!", new Greeter("Hi").greet("a")); }\n}\n';
    const after = before.replace('}\n}\n', '}\n    @Test void greetsEmpty() { assertEquals("Hi, !", new Greeter("Hi").greet("")); }\n}\n');
    expect(await tierOf(before, after, t)).toEqual({ tier: 'medium', reasons: [`test-only:${t}`] });
  });
});

describe('Java: API changes (high)', () => {
  it('removing a public method', async () => {
    const after = GREETER.replace(/\n {4}public List<String> greetAll[\s\S]*?\n {4}}\n/, '');
    const r = await tierOf(GREETER, after);
    expect(r.tier).toBe('high');
    expect(api(r.reasons)).toEqual([`api-change:${P}#Greeter.greetAll(List<String>)`]);
  });

  it('changing a parameter type, a return type, a field type, a protected method', async () => {
    const param = GREETER.replace('public String greet(String name)', 'public String greet(CharSequence name)');
    expect(api((await tierOf(GREETER, param)).reasons)).toEqual([`api-change:${P}#Greeter.greet(String)`]);
    const ret = GREETER.replace('public String greet(String name)', 'public Object greet(String name)');
    expect(api((await tierOf(GREETER, ret)).reasons)).toEqual([`api-change:${P}#Greeter.greet(String)`]);
    const field = GREETER.replace('public static final String DEFAULT', 'public static final Object DEFAULT');
    expect(api((await tierOf(GREETER, field)).reasons)).toEqual([`api-change:${P}#Greeter.DEFAULT`]);
    const prot = GREETER.replace('protected int count()', 'protected long count()');
    expect(api((await tierOf(GREETER, prot)).reasons)).toEqual([`api-change:${P}#Greeter.count()`]);
  });

  it('making a public method private, or a public constructor go', async () => {
    const hidden = GREETER.replace('public String greet(String name)', 'private String greet(String name)');
    expect(api((await tierOf(GREETER, hidden)).reasons)).toEqual([`api-change:${P}#Greeter.greet(String)`]);
    const ctor = GREETER.replace('public Greeter(String prefix)', 'Greeter(String prefix)');
    expect(api((await tierOf(GREETER, ctor)).reasons)).toEqual([`api-change:${P}#Greeter.Greeter(String)`]);
  });

  it('adding an abstract method to a public interface breaks implementers', async () => {
    const p = 'src/main/java/com/acme/Shape.java';
    const before = 'package com.acme;\n\npublic interface Shape {\n    double area();\n}\n';
    const abstractAdded = 'package com.acme;\n\npublic interface Shape {\n    double area();\n    double perimeter();\n}\n';
    const defaultAdded = 'package com.acme;\n\npublic interface Shape {\n    double area();\n    default String name() { return "shape"; }\n}\n';
    expect(api((await tierOf(before, abstractAdded, p)).reasons)).toEqual([`api-change:${p}#Shape.perimeter()`]);
    expect((await tierOf(before, defaultAdded, p)).tier).toBe('medium');
  });
});

describe('javaModel', () => {
  it('publishes public types and their public and protected members', () => {
    const m = javaModel(GREETER);
    expect(m.parsed).toBe(true);
    expect([...m.api.keys()]).toEqual([
      'Greeter',
      'Greeter.DEFAULT',
      'Greeter.Greeter(String)',
      'Greeter.greet(String)',
      'Greeter.greetAll(List<String>)',
      'Greeter.count()',
    ]);
  });

  it('ignores package-private types and flags syntax errors', () => {
    expect([...javaModel('class Hidden { public void x() {} }').api.keys()]).toEqual([]);
    expect(javaModel('public class A { public void x( { }').parsed).toBe(false);
  });
});
