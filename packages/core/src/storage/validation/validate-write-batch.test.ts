import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors/validation-error.ts';
import { createFixtures, toItemWrite } from '../../testing/fixtures.ts';
import { validateWriteBatch } from './validate-write-batch.ts';

const fx = createFixtures({ prefix: 'vw' });

function fieldOf(batch: unknown): string | undefined {
  try {
    validateWriteBatch(batch);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
}

describe('validateWriteBatch', () => {
  it('accepts complete batches', () => {
    const item = fx.fullItem();
    expect(
      fieldOf({
        items: [toItemWrite(item), toItemWrite(fx.item(), [])],
        edges: [fx.edge({ from: 'a', to: 'b', weight: 0 })],
        removeEdges: [{ from: 'a', to: 'b', type: 'PARENT' }],
        versions: [fx.version(item, { reason: 'why' })],
        audit: [fx.audit({ details: { a: 1, b: null } })],
      }),
    ).toBeUndefined();
    expect(fieldOf({})).toBeUndefined();
  });

  it('names the first offending field', () => {
    const item = fx.item();
    expect(fieldOf({ items: [toItemWrite(item), toItemWrite({ ...item, status: 'gone' as never })] })).toBe('items[1].item.status');
    expect(fieldOf({ items: [{ item, terms: ['ok', ''] }] })).toBe('items[0].terms');
    expect(fieldOf({ items: [toItemWrite({ ...item, createdAt: '2024-01-01' })] })).toBe('items[0].item.createdAt');
    expect(fieldOf({ items: [toItemWrite({ ...item, version: 0 })] })).toBe('items[0].item.version');
    expect(fieldOf({ items: [toItemWrite({ ...item, confidence: Number.NaN })] })).toBe('items[0].item.confidence');
    expect(fieldOf({ items: [toItemWrite({ ...item, metadata: { deep: {} as never } })] })).toBe('items[0].item.metadata.deep');
    expect(fieldOf({ edges: [fx.edge({ from: 'a', to: 'b', weight: 1.5 })] })).toBe('edges[0].weight');
    expect(fieldOf({ edges: [{ ...fx.edge({ from: 'a', to: 'b' }), type: 'KNOWS' }] })).toBe('edges[0].type');
    expect(fieldOf({ versions: [{ ...fx.version(item), snapshot: { ...item, id: '' } }] })).toBe('versions[0].snapshot.id');
    expect(fieldOf({ audit: [{ ...fx.audit(), actor: '' }] })).toBe('audit[0].actor');
    expect(fieldOf(null)).toBe('batch');
  });
});
