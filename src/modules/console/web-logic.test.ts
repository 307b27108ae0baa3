// The console's DOM-free logic (web/src), tested in Node: form text ↔ API values and how a
// problem document's errors[] map onto form fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, roleAtLeast, withQuery } from '../../../web/src/api.ts';
import { checkFields, type FieldDef, toBody, toValues } from '../../../web/src/ui/fields.ts';

const FIELDS: FieldDef[] = [
  {
    name: 'key',
    label: 'Key',
    required: true,
    createOnly: true,
    pattern: { re: /^[a-z]+$/, message: 'slug' },
  },
  { name: 'name', label: 'Name', required: true },
  { name: 'tier', label: 'Tier', type: 'select', numeric: true },
  { name: 'tags', label: 'Tags', type: 'list' },
  { name: 'description', label: 'Description', type: 'textarea' },
];

test('toBody: lists split, numbers parsed, empty optional fields left out', () => {
  const body = toBody(FIELDS, { key: 'api', name: ' API ', tier: '2', tags: 'a, b,,c ', description: '' });
  assert.deepEqual(body, { key: 'api', name: 'API', tier: 2, tags: ['a', 'b', 'c'] });
});

test('toValues: the inverse for an API object', () => {
  const v = toValues(FIELDS, { key: 'api', name: 'API', tier: 1, tags: ['a', 'b'] });
  assert.deepEqual(v, { key: 'api', name: 'API', tier: '1', tags: 'a, b', description: '' });
  assert.deepEqual(toBody(FIELDS, v), { key: 'api', name: 'API', tier: 1, tags: ['a', 'b'] });
});

test('checkFields: required and pattern, create-only fields skipped when editing', () => {
  assert.deepEqual(checkFields(FIELDS, { key: 'Bad Key', name: '' }, true), {
    key: 'slug',
    name: 'Name is required.',
  });
  assert.deepEqual(checkFields(FIELDS, { key: 'Bad Key', name: 'x' }, false), {});
});

test('ApiError.fieldErrors maps errors[] paths and reference fields onto top-level fields', () => {
  const e = new ApiError(400, {
    status: 400,
    detail: 'invalid',
    errors: [
      { path: 'body.tags.0', message: 'must be a string' },
      { path: 'body.tags.1', message: 'too long' },
      { path: 'body', message: 'must have required property name' },
      { path: '(root)', message: 'tier 1 needs an owner' },
    ],
  });
  assert.deepEqual(e.fieldErrors(), {
    tags: 'must be a string; too long',
    _: 'must have required property name; tier 1 needs an owner',
  });
  const ref = new ApiError(400, { status: 400, detail: 'unknown team "x"', field: 'owner' } as any);
  assert.deepEqual(ref.fieldErrors(), { owner: 'unknown team "x"' });
});

test('withQuery drops empty values; roleAtLeast follows the ladder', () => {
  assert.equal(
    withQuery('/api/v1/services', { owner: 'sre', tier: '', cursor: undefined, limit: 25 }),
    '/api/v1/services?owner=sre&limit=25',
  );
  assert.equal(withQuery('/x', {}), '/x');
  assert.equal(roleAtLeast('operator', 'responder'), true);
  assert.equal(roleAtLeast('viewer', 'operator'), false);
  assert.equal(roleAtLeast(undefined, 'viewer'), false);
});
