import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { intersect, literalAlternatives, subtract, union } from './postings.ts';
import { dump, L, m, openTsdb, tempDir, write } from './test-helpers.ts';

describe('postings set operations', () => {
  it('intersects, unions and subtracts sorted lists', () => {
    assert.deepEqual(
      Array.from(
        intersect([
          [1, 3, 5, 7],
          [3, 4, 5],
          [0, 5, 9],
        ]),
      ),
      [5],
    );
    assert.deepEqual(Array.from(intersect([])), []);
    assert.deepEqual(Array.from(union([[1, 4], [2, 4, 8], []])), [1, 2, 4, 8]);
    assert.deepEqual(Array.from(subtract([1, 2, 3, 4], [2, 4, 6])), [1, 3]);
    assert.deepEqual(literalAlternatives('a|b-c|d:e'), ['a', 'b-c', 'd:e']);
    assert.equal(literalAlternatives('a.*'), null);
    assert.equal(literalAlternatives('a|'), null);
  });
});

describe('matcher semantics (as Prometheus)', () => {
  const db = openTsdb(tempDir());
  write(db, [
    [L({ __name__: 'up', job: 'api', env: 'prod' }), 1, 1],
    [L({ __name__: 'up', job: 'api', env: 'dev' }), 1, 1],
    [L({ __name__: 'up', job: 'db' }), 1, 1],
    [L({ __name__: 'up', job: 'web', env: '' }), 1, 1], // empty value = label absent
    [L({ __name__: 'http_requests_total', job: 'api', path: '/a\nb' }), 1, 1],
  ]);
  const cases: [string, string[]][] = [
    ['__name__="up"', ['api/dev', 'api/prod', 'db/-', 'web/-']],
    ['__name__="up",job="api"', ['api/dev', 'api/prod']],
    ['job="nope"', []],
    ['__name__="up",env=""', ['db/-', 'web/-']],
    ['__name__="up",env!=""', ['api/dev', 'api/prod']],
    ['__name__="up",env!="prod"', ['api/dev', 'db/-', 'web/-']],
    ['__name__="up",env=~"pro"', []], // anchored: no partial match
    ['__name__="up",env=~"pro.*"', ['api/prod']],
    ['__name__="up",env=~"prod|"', ['api/prod', 'db/-', 'web/-']],
    ['__name__="up",env=~".*"', ['api/dev', 'api/prod', 'db/-', 'web/-']],
    ['__name__="up",env=~".+"', ['api/dev', 'api/prod']],
    ['__name__="up",env!~"d.*"', ['api/prod', 'db/-', 'web/-']],
    ['__name__="up",env!~".*"', []],
    ['__name__="up",job=~"api|db"', ['api/dev', 'api/prod', 'db/-']],
    ['job=~"a.i",env="dev"', ['api/dev']],
    ['env=""', ['db/-', 'web/-', 'http/-']],
    ['path=~"/a.b"', ['http/-']], // `.` matches a newline, as RE2's (?s)
    ['job=~"(?i)API",env="prod"', ['api/prod']], // RE2 inline flags
  ];
  for (const [src, want] of cases) {
    it(`{${src}}`, () => {
      const got = db.select(m(src), 0, 10).map((s) => {
        const get = (n: string) => s.labels.find((l) => l.name === n)?.value;
        const name = get('__name__') === 'up' ? get('job') : 'http';
        return `${name}/${get('env') ?? '-'}`;
      });
      assert.deepEqual(got.sort(), [...want].sort());
    });
  }

  it('returns series sorted by labels with their samples', () => {
    const got = dump(db, m('__name__="up",job="api"'));
    assert.deepEqual(Object.keys(got), ['{__name__=up,env=dev,job=api}', '{__name__=up,env=prod,job=api}']);
    assert.deepEqual(got['{__name__=up,env=dev,job=api}'], [[1, 1]]);
  });

  it('answers label names and values', () => {
    assert.deepEqual(db.labelNames([], 0, 10), ['__name__', 'env', 'job', 'path']);
    assert.deepEqual(db.labelNames(m('job="db"'), 0, 10), ['__name__', 'job']);
    assert.deepEqual(db.labelValues('job', [], 0, 10), ['api', 'db', 'web']);
    assert.deepEqual(db.labelValues('env', m('job="api"'), 0, 10), ['dev', 'prod']);
    assert.deepEqual(db.labelValues('nope', [], 0, 10), []);
  });

  it('omits series without samples in the range', () => {
    assert.deepEqual(db.select(m('job="api"'), 2, 10), []);
  });
});
