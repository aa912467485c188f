/**
 * Label and field selectors with the apiserver's grammar:
 *   labels: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<2`; comma = AND.
 *   fields: `a=b`, `a==b`, `a!=b`; comma = AND; `\,` `\=` `\\` escapes.
 */

export class SelectorError extends Error {
  override name = 'SelectorError';
}

export type LabelOp = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

type Token =
  | { t: 'id'; v: string }
  | { t: 'op'; v: '!' | '!=' | '=' | '==' | '(' | ')' | ',' | '>' | '<' }
  | { t: 'in' }
  | { t: 'notin' }
  | { t: 'end' };

const SPECIAL = new Set(['!', '=', '(', ')', ',', '>', '<']);

function lexLabels(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (SPECIAL.has(c)) {
      const two = input.slice(i, i + 2);
      if (two === '!=' || two === '==') {
        out.push({ t: 'op', v: two });
        i += 2;
      } else {
        out.push({ t: 'op', v: c as '!' | '=' | '(' | ')' | ',' | '>' | '<' });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < input.length && !SPECIAL.has(input[j] as string) && !/\s/.test(input[j] as string)) j++;
    const word = input.slice(i, j);
    if (word === 'in') out.push({ t: 'in' });
    else if (word === 'notin') out.push({ t: 'notin' });
    else out.push({ t: 'id', v: word });
    i = j;
  }
  out.push({ t: 'end' });
  return out;
}

const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

function validateKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (!NAME_PART.test(name) || (prefix !== undefined && (!DNS_SUBDOMAIN.test(prefix) || prefix.length > 253))) {
    throw new SelectorError(
      `unable to parse requirement: <nil>: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    );
  }
}

function validateValue(key: string, value: string): void {
  if (!LABEL_VALUE.test(value)) {
    throw new SelectorError(
      `unable to parse requirement: values[0][${key}]: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    );
  }
}

function describe(tok: Token): string {
  if (tok.t === 'id') return tok.v;
  if (tok.t === 'op') return tok.v;
  if (tok.t === 'end') return '';
  return tok.t;
}

/** Parse a label selector; the empty string selects everything. Throws SelectorError. */
export function parseLabelSelector(input: string): LabelRequirement[] {
  const toks = lexLabels(input);
  const reqs: LabelRequirement[] = [];
  let pos = 0;
  const peek = (): Token => toks[pos] as Token;
  const next = (): Token => toks[pos++] as Token;
  if (peek().t === 'end') return reqs;
  for (;;) {
    let tok = next();
    let negate = false;
    if (tok.t === 'op' && tok.v === '!') {
      negate = true;
      tok = next();
    }
    if (tok.t !== 'id') {
      throw new SelectorError(`unable to parse requirement: found '${describe(tok)}', expected: identifier`);
    }
    const key = tok.v;
    validateKey(key);
    if (negate) {
      reqs.push({ key, op: '!', values: [] });
    } else {
      const opTok = peek();
      if (opTok.t === 'end' || (opTok.t === 'op' && opTok.v === ',')) {
        reqs.push({ key, op: 'exists', values: [] });
      } else if (opTok.t === 'in' || opTok.t === 'notin') {
        next();
        const open = next();
        if (!(open.t === 'op' && open.v === '(')) {
          throw new SelectorError(`found '${describe(open)}', expected: '('`);
        }
        const values: string[] = [];
        for (;;) {
          const v = next();
          if (v.t === 'op' && v.v === ')') break;
          if (v.t === 'id') {
            validateValue(key, v.v);
            values.push(v.v);
            const sep = next();
            if (sep.t === 'op' && sep.v === ')') break;
            if (sep.t === 'op' && sep.v === ',') continue;
            throw new SelectorError(`found '${describe(sep)}', expected: ',' or ')'`);
          }
          if (v.t === 'op' && v.v === ',') {
            values.push('');
            continue;
          }
          throw new SelectorError(`found '${describe(v)}', expected: ',', ')' or identifier`);
        }
        reqs.push({ key, op: opTok.t, values });
      } else if (opTok.t === 'op' && ['=', '==', '!=', '>', '<'].includes(opTok.v)) {
        next();
        const v = peek();
        let value = '';
        if (v.t === 'id') {
          value = v.v;
          next();
        } else if (!(v.t === 'end' || (v.t === 'op' && v.v === ','))) {
          throw new SelectorError(`found '${describe(v)}', expected: identifier`);
        }
        if (opTok.v === '>' || opTok.v === '<') {
          if (!/^-?\d+$/.test(value)) {
            throw new SelectorError(`for 'Gt', 'Lt' operators, the value must be an integer`);
          }
          reqs.push({ key, op: opTok.v === '>' ? 'gt' : 'lt', values: [value] });
        } else {
          validateValue(key, value);
          reqs.push({ key, op: opTok.v === '!=' ? '!=' : '=', values: [value] });
        }
      } else {
        throw new SelectorError(
          `found '${describe(opTok)}', expected: in, notin, =, ==, !=, gt, lt`.replace(
            /^/,
            'unable to parse requirement: ',
          ),
        );
      }
    }
    const sep = next();
    if (sep.t === 'end') break;
    if (!(sep.t === 'op' && sep.v === ',')) {
      throw new SelectorError(`found '${describe(sep)}', expected: ',' or 'end of string'`);
    }
  }
  return reqs;
}

export function matchLabels(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of reqs) {
    const has = Object.hasOwn(l, r.key);
    const v = has ? l[r.key] : undefined;
    switch (r.op) {
      case '=':
      case 'in':
        if (!has || !r.values.includes(v as string)) return false;
        break;
      case '!=':
      case 'notin':
        if (has && r.values.includes(v as string)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v as string)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + (s[i + 1] as string);
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

function unescapeField(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/** Parse a field selector; the empty string selects everything. Throws SelectorError. */
export function parseFieldSelector(input: string): FieldRequirement[] {
  if (input.trim() === '') return [];
  const out: FieldRequirement[] = [];
  for (const term of splitUnescaped(input, ',')) {
    if (term === '') continue;
    let found: FieldRequirement | undefined;
    for (let i = 0; i < term.length && !found; i++) {
      if (term[i] === '\\') {
        i++;
        continue;
      }
      for (const op of ['!=', '==', '='] as const) {
        if (term.startsWith(op, i)) {
          found = {
            field: unescapeField(term.slice(0, i)).trim(),
            op: op === '!=' ? '!=' : '=',
            value: unescapeField(term.slice(i + op.length)),
          };
          break;
        }
      }
    }
    if (!found) throw new SelectorError(`invalid selector: '${input}'; can't understand '${term}'`);
    out.push(found);
  }
  return out;
}

export function matchFields(reqs: FieldRequirement[], get: (field: string) => string): boolean {
  for (const r of reqs) {
    const v = get(r.field);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
