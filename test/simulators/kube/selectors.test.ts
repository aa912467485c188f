import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  matchFields,
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from '../../../src/simulators/kube/index.js';

const labels = { app: 'web', tier: 'backend', 'app.kubernetes.io/version': '2' };

function sel(s: string, l: Record<string, string> = labels): boolean {
  return matchLabels(parseLabelSelector(s), l);
}

describe('label selectors', () => {
  it('parses every operator', () => {
    assert.deepEqual(parseLabelSelector('a=b,c==d,e!=f,g in (h, i),j notin (k),l,!m'), [
      { key: 'a', op: '=', values: ['b'] },
      { key: 'c', op: '=', values: ['d'] },
      { key: 'e', op: '!=', values: ['f'] },
      { key: 'g', op: 'in', values: ['h', 'i'] },
      { key: 'j', op: 'notin', values: ['k'] },
      { key: 'l', op: 'exists', values: [] },
      { key: 'm', op: '!', values: [] },
    ]);
    assert.deepEqual(parseLabelSelector(''), []);
    assert.deepEqual(parseLabelSelector('  app = web  '), [{ key: 'app', op: '=', values: ['web'] }]);
    assert.deepEqual(parseLabelSelector('x='), [{ key: 'x', op: '=', values: [''] }]);
  });

  it('matches like the apiserver', () => {
    assert.ok(sel('app=web'));
    assert.ok(sel('app==web,tier=backend'));
    assert.ok(!sel('app=web,tier=frontend'));
    assert.ok(sel('app!=api'));
    assert.ok(sel('missing!=x'), '!= matches a missing label');
    assert.ok(sel('tier in (frontend,backend)'));
    assert.ok(!sel('tier notin (backend)'));
    assert.ok(sel('missing notin (x)'), 'notin matches a missing label');
    assert.ok(sel('app.kubernetes.io/version'));
    assert.ok(sel('!canary'));
    assert.ok(!sel('!app'));
    assert.ok(sel('app.kubernetes.io/version>1'));
    assert.ok(!sel('app.kubernetes.io/version<2'));
    assert.ok(sel(''), 'empty selects everything');
  });

  it('rejects malformed selectors', () => {
    for (const bad of ['app in web', 'in (a)', 'a=b,', 'a b', '-bad=x', 'a in (b', 'a=(b)', 'x>y']) {
      assert.throws(() => parseLabelSelector(bad), SelectorError, bad);
    }
  });
});

describe('field selectors', () => {
  it('parses =, == and != with escapes', () => {
    assert.deepEqual(parseFieldSelector('involvedObject.kind=Node,involvedObject.name==n1,type!=Normal'), [
      { field: 'involvedObject.kind', op: '=', value: 'Node' },
      { field: 'involvedObject.name', op: '=', value: 'n1' },
      { field: 'type', op: '!=', value: 'Normal' },
    ]);
    assert.deepEqual(parseFieldSelector('involvedObject.namespace='), [
      { field: 'involvedObject.namespace', op: '=', value: '' },
    ]);
    assert.deepEqual(parseFieldSelector('metadata.name=a\\,b'), [{ field: 'metadata.name', op: '=', value: 'a,b' }]);
    assert.deepEqual(parseFieldSelector(''), []);
    assert.throws(() => parseFieldSelector('spec.nodeName'), SelectorError);
  });

  it('matches against field values (missing = empty string)', () => {
    const values: Record<string, string> = { 'involvedObject.kind': 'Node', 'involvedObject.namespace': '' };
    const get = (f: string) => values[f] ?? '';
    assert.ok(matchFields(parseFieldSelector('involvedObject.kind=Node,involvedObject.namespace='), get));
    assert.ok(!matchFields(parseFieldSelector('involvedObject.kind!=Node'), get));
    assert.ok(matchFields(parseFieldSelector('involvedObject.name!=x'), get));
  });
});
