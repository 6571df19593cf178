import { describe, expect, it } from 'vitest';
import type { Comparison, Condition } from '../src/contracts.ts';
import { evaluateCondition, LIMITS, renderString, renderTemplate, resolvePath, TemplateError, traceCondition } from '../src/interpreter.ts';

const context = {
  event: {
    id: 'e1',
    type: 'crm.deal.won',
    payload: {
      amount: 1500,
      zero: 0,
      currency: 'EUR',
      client_name: 'Acme',
      tags: ['vip', 'eu'],
      nested: { level: { deep: true } },
      due: '2026-03-01T10:00:00Z',
      nothing: null,
      flag: false,
      list: [{ id: 'a' }, { id: 'b' }],
      numeric_text: '1500',
    },
  },
  steps: { create_client: { status: 'succeeded', output: { id: 'c-1', count: 3 } } },
  run: { id: 'r1' },
};

describe('condition language, table-driven', () => {
  const cases: [string, Comparison, boolean][] = [
    // eq
    ['eq number', { path: 'event.payload.amount', op: 'eq', value: 1500 }, true],
    ['eq number vs string is a type mismatch', { path: 'event.payload.amount', op: 'eq', value: '1500' }, false],
    ['eq string', { path: 'event.payload.currency', op: 'eq', value: 'EUR' }, true],
    ['eq deep object', { path: 'event.payload.nested', op: 'eq', value: { level: { deep: true } } }, true],
    ['eq array', { path: 'event.payload.tags', op: 'eq', value: ['vip', 'eu'] }, true],
    ['eq null', { path: 'event.payload.nothing', op: 'eq', value: null }, true],
    ['eq false', { path: 'event.payload.flag', op: 'eq', value: false }, true],
    ['eq on missing path', { path: 'event.payload.missing', op: 'eq', value: null }, false],
    // ne
    ['ne different', { path: 'event.payload.currency', op: 'ne', value: 'USD' }, true],
    ['ne same', { path: 'event.payload.currency', op: 'ne', value: 'EUR' }, false],
    ['ne type mismatch', { path: 'event.payload.amount', op: 'ne', value: '1500' }, true],
    ['ne on missing path', { path: 'event.payload.missing', op: 'ne', value: 'x' }, true],
    // gt / gte / lt / lte
    ['gt true', { path: 'event.payload.amount', op: 'gt', value: 1000 }, true],
    ['gt equal', { path: 'event.payload.amount', op: 'gt', value: 1500 }, false],
    ['gte equal', { path: 'event.payload.amount', op: 'gte', value: 1500 }, true],
    ['lt true', { path: 'event.payload.zero', op: 'lt', value: 1 }, true],
    ['lt false', { path: 'event.payload.amount', op: 'lt', value: 10 }, false],
    ['lte equal', { path: 'event.payload.amount', op: 'lte', value: 1500 }, true],
    ['gt ISO dates as strings', { path: 'event.payload.due', op: 'gt', value: '2026-01-01T00:00:00Z' }, true],
    ['lt ISO dates as strings', { path: 'event.payload.due', op: 'lt', value: '2026-01-01T00:00:00Z' }, false],
    ['gt number vs string mismatch', { path: 'event.payload.numeric_text', op: 'gt', value: 10 }, false],
    ['gt string vs number mismatch', { path: 'event.payload.amount', op: 'gt', value: '10' }, false],
    ['gte null mismatch', { path: 'event.payload.nothing', op: 'gte', value: 0 }, false],
    ['lt object mismatch', { path: 'event.payload.nested', op: 'lt', value: 5 }, false],
    ['gt on missing path', { path: 'event.payload.missing', op: 'gt', value: 0 }, false],
    ['lte on missing path', { path: 'event.payload.missing', op: 'lte', value: 0 }, false],
    // in
    ['in list', { path: 'event.payload.currency', op: 'in', value: ['USD', 'EUR'] }, true],
    ['in list miss', { path: 'event.payload.currency', op: 'in', value: ['USD', 'GBP'] }, false],
    ['in strict types', { path: 'event.payload.amount', op: 'in', value: ['1500'] }, false],
    ['in with non-array value', { path: 'event.payload.currency', op: 'in', value: 'EUR' }, false],
    ['in on missing path', { path: 'event.payload.missing', op: 'in', value: [null] }, false],
    // contains
    ['contains substring', { path: 'event.payload.client_name', op: 'contains', value: 'cm' }, true],
    ['contains substring miss', { path: 'event.payload.client_name', op: 'contains', value: 'xyz' }, false],
    ['contains array element', { path: 'event.payload.tags', op: 'contains', value: 'vip' }, true],
    ['contains array object element', { path: 'event.payload.list', op: 'contains', value: { id: 'b' } }, true],
    ['contains array miss', { path: 'event.payload.tags', op: 'contains', value: 'us' }, false],
    ['contains on a number', { path: 'event.payload.amount', op: 'contains', value: 5 }, false],
    ['contains string vs number', { path: 'event.payload.client_name', op: 'contains', value: 1 }, false],
    ['contains on missing path', { path: 'event.payload.missing', op: 'contains', value: 'a' }, false],
    // exists
    ['exists present', { path: 'event.payload.amount', op: 'exists' }, true],
    ['exists zero counts', { path: 'event.payload.zero', op: 'exists' }, true],
    ['exists false value counts', { path: 'event.payload.flag', op: 'exists' }, true],
    ['exists null is absent', { path: 'event.payload.nothing', op: 'exists' }, false],
    ['exists missing', { path: 'event.payload.missing', op: 'exists' }, false],
    ['exists: false on missing', { path: 'event.payload.missing', op: 'exists', value: false }, true],
    ['exists: false on present', { path: 'event.payload.amount', op: 'exists', value: false }, false],
    ['exists deep', { path: 'event.payload.nested.level.deep', op: 'exists' }, true],
    ['exists array index', { path: 'event.payload.list.1.id', op: 'eq', value: 'b' }, true],
    ['array index out of range', { path: 'event.payload.list.5.id', op: 'exists' }, false],
    ['path through a scalar', { path: 'event.payload.amount.value', op: 'exists' }, false],
    ['earlier step output', { path: 'steps.create_client.output.count', op: 'gte', value: 3 }, true],
    // prototypes never resolve
    ['constructor never resolves', { path: 'event.constructor', op: 'exists' }, false],
    ['__proto__ never resolves', { path: 'event.__proto__', op: 'exists' }, false],
    ['prototype chain never resolves', { path: 'event.payload.tags.constructor.name', op: 'exists' }, false],
    ['inherited toString never resolves', { path: 'event.toString', op: 'exists' }, false],
    ['array length is not a property', { path: 'event.payload.tags.length', op: 'eq', value: 2 }, false],
  ];

  it.each(cases)('%s', (_name, comparison, expected) => {
    expect(evaluateCondition(comparison, context)).toBe(expected);
  });

  it('combines with all / any / not and explains the result', () => {
    const condition: Condition = {
      all: [
        { path: 'event.payload.amount', op: 'gt', value: 1000 },
        {
          any: [
            { path: 'event.payload.currency', op: 'eq', value: 'USD' },
            { path: 'event.payload.tags', op: 'contains', value: 'vip' },
          ],
        },
        { not: { path: 'event.payload.flag', op: 'eq', value: true } },
      ],
    };
    const trace = traceCondition(condition, context);
    expect(trace.matched).toBe(true);
    expect(trace.children?.[1]?.children?.map((child) => child.matched)).toEqual([false, true]);
    expect(trace.children?.[1]?.children?.[1]?.actual).toEqual(['vip', 'eu']);
    expect(evaluateCondition({ all: [] }, context)).toBe(true);
    expect(evaluateCondition({ any: [] }, context)).toBe(false);
    expect(evaluateCondition({ not: { all: [{ path: 'event.payload.amount', op: 'lt', value: 0 }] } }, context)).toBe(true);
    expect(evaluateCondition(undefined, context)).toBe(true);
  });

  it('does not match an over-deep condition instead of recursing without bound', () => {
    let condition: Condition = { path: 'event.payload.amount', op: 'exists' };
    for (let depth = 0; depth < 100; depth += 1) condition = { not: { not: condition } };
    expect(traceCondition(condition, context).matched).toBe(false);
  });
});

describe('templates', () => {
  it('keeps the type of a value when the template is exactly one expression', () => {
    expect(renderString('{{ event.payload.amount }}', context)).toBe(1500);
    expect(renderString('{{event.payload.tags}}', context)).toEqual(['vip', 'eu']);
    expect(renderString('{{ event.payload.nested }}', context)).toEqual({ level: { deep: true } });
    expect(renderString('{{ steps.create_client.output.id }}', context)).toBe('c-1');
    expect(renderString('{{ event.payload.flag }}', context)).toBe(false);
  });

  it('interpolates text and renders missing values as empty', () => {
    expect(renderString('Kickoff with {{ event.payload.client_name }} ({{ event.payload.amount }} {{ event.payload.currency }})', context)).toBe(
      'Kickoff with Acme (1500 EUR)',
    );
    expect(renderString('x{{ event.payload.missing }}y', context)).toBe('xy');
    expect(renderString('{{ event.payload.missing }}', context)).toBeUndefined();
    expect(renderString('tags: {{ event.payload.tags }}', context)).toBe('tags: ["vip","eu"]');
  });

  it('renders nested inputs and omits properties that resolve to nothing', () => {
    const input = { a: '{{ event.payload.amount }}', b: { c: ['{{ event.payload.currency }}', 'lit', 3] }, gone: '{{ event.payload.missing }}' };
    expect(renderTemplate(input, context)).toEqual({ a: 1500, b: { c: ['EUR', 'lit', 3] } });
  });

  it('cannot reach prototypes or code', () => {
    const probes = [
      '{{ constructor }}',
      '{{ __proto__ }}',
      '{{ prototype }}',
      '{{ event.constructor.name }}',
      '{{ event.constructor.constructor }}',
      '{{ event.__proto__.polluted }}',
      '{{ event.payload.tags.constructor }}',
      '{{ event.payload.client_name.length }}',
      '{{ event.toString }}',
      '{{ event.hasOwnProperty }}',
      '{{ steps.create_client.output.__proto__ }}',
      '{{ this }}',
      '{{ globalThis.process }}',
      '{{ process.env }}',
      "{{ event.payload['client_name'] }}",
      '{{ (() => 1)() }}',
      '{{ require("fs") }}',
      '{{ event.payload.amount + 1 }}',
    ];
    for (const probe of probes) {
      const rendered = renderString(probe, context);
      expect(rendered, probe).toBeUndefined();
      expect(renderString(`before ${probe} after`, context), probe).toBe('before  after');
    }
    // Nothing got polluted along the way.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not pollute prototypes through rendered objects', () => {
    const hostile = JSON.parse('{"payload":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"x":1}},"ok":1}}') as unknown;
    const rendered = renderTemplate({ value: '{{ event.payload }}' }, { event: hostile }) as { value: Record<string, unknown> };
    expect(rendered.value).toEqual({ ok: 1 });
    expect(Object.getPrototypeOf(rendered.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => renderTemplate(JSON.parse('{"__proto__":{"polluted":"yes"}}'), context)).toThrow(TemplateError);
  });

  it('treats function values in the data as nothing', () => {
    expect(resolvePath({ f: () => 42 }, 'f')).toBeUndefined();
    const withGetter = Object.defineProperty({}, 'g', { get: () => 'side effect', enumerable: true });
    expect(resolvePath(withGetter, 'g')).toBeUndefined();
  });

  it('rejects over-long and over-deep inputs instead of working without bound', () => {
    const long = `{{ event.payload.client_name }}${'x'.repeat(LIMITS.templateLength)}`;
    expect(() => renderString(long, context)).toThrow(TemplateError);
    let deep: unknown = '{{ event.payload.amount }}';
    for (let depth = 0; depth < LIMITS.valueDepth + 5; depth += 1) deep = { d: deep };
    expect(() => renderTemplate(deep, context)).toThrow(/nested deeper/);
    const wide = Array.from({ length: LIMITS.valueNodes + 1 }, () => 1);
    expect(() => renderTemplate(wide, context)).toThrow(/more than/);
    // A long path is not a path.
    expect(resolvePath(context, Array.from({ length: 40 }, () => 'a').join('.'))).toBeUndefined();
    // Many expressions expanding a big value are bounded by the rendered length.
    const big = { event: { payload: { text: 'y'.repeat(5000) } } };
    expect(() => renderString('{{ event.payload.text }}'.repeat(30), big)).toThrow(/longer than/);
  });
});
