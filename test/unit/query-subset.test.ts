import { ContentError } from '../../src/errors.js';
import { checkQuerySubset } from '../../src/rules/query-subset.js';

/** The query subset a rule may use: each accepted form passes, each other form fails by name. */

const check = (clause: unknown) => () => checkQuerySubset(clause, 'logic.filter', 'rules/x.yml');

test.each([
  ['term, bare', { term: { 'event.code': '4624' } }],
  ['term, with options', { term: { 'user.name': { value: 'admin', case_insensitive: true } } }],
  ['terms', { terms: { 'event.code': ['4624', 4625] } }],
  ['terms, empty', { terms: { 'source.ip': [] } }],
  ['terms look-up', { terms: { 'destination.ip': { index: 'jpcert-indicator-lists', id: 'ips', path: 'values' } } }],
  ['range', { range: { 'source.bytes': { gte: 1000, lt: 5000 } } }],
  ['exists', { exists: { field: 'url.domain' } }],
  ['wildcard', { wildcard: { 'url.path': { value: '*.exe', case_insensitive: true } } }],
  ['prefix', { prefix: { 'url.original': 'http://' } }],
  ['match_phrase', { match_phrase: { message: 'client denied' } }],
  ['match_phrase, object form', { match_phrase: { message: { query: 'client denied' } } }],
  ['prefix, object form', { prefix: { 'url.original': { value: 'http://', case_insensitive: true } } }],
  ['extension wildcard_any', { wildcard_any: { field: 'file.name', patterns: ['*.exe'] } }],
  ['extension domain_any', { domain_any: { field: 'url.domain', domains: ['example.com'] } }],
  ['extension not_from_admin_hosts', { not_from_admin_hosts: true }],
  ['nested bool', { bool: { filter: [{ bool: { should: [{ exists: { field: 'a' } }], minimum_should_match: 1 } }], must_not: { term: { b: 1 } } } }],
])('accepts %s', (_name, clause) => {
  expect(check(clause)).not.toThrow();
});

test.each([
  ['a clause outside the subset', { bool: { filter: [{ term: { a: 1 } }, { regexp: { 'url.path': '.*' } }] } }, 'rules/x.yml: logic.filter.bool.filter[1]: "regexp" is not in the pack\'s query subset'],
  ['a script', { script: { script: { source: 'true' } } }, '"script" is not in the pack\'s query subset'],
  ['query_string', { query_string: { query: 'a:b' } }, '"query_string" is not in the pack\'s query subset'],
  ['should without minimum_should_match', { bool: { should: [{ term: { a: 1 } }] } }, 'logic.filter: bool.should without minimum_should_match'],
  ['an unknown bool key', { bool: { filter: [], boost: 2 } }, 'bool.boost is not supported'],
  ['an option only one engine or target knows', { term: { a: { value: 1, boost: 2 } } }, 'term.a.boost is not supported'],
  ['two fields in one leaf', { term: { a: 1, b: 2 } }, 'term takes exactly one field'],
  ['two kinds in one clause', { term: { a: 1 }, exists: { field: 'b' } }, 'a query clause has exactly one key, got term, exists'],
  ['a range without bounds in object form', { range: { a: 5 } }, 'range.a has a value of the wrong form'],
  ['an extension with a wrong option', { wildcard_any: { field: 'f', patterns: [], values: [] } }, 'wildcard_any.values is not an option of the extension'],
  ['an extension missing its field', { domain_any: { domains: ['x'] } }, 'domain_any needs field'],
  ['not_from_admin_hosts not written as true', { not_from_admin_hosts: {} }, 'not_from_admin_hosts is written { not_from_admin_hosts: true }'],
  ['an object form without its value', { term: { a: { case_insensitive: true } } }, 'term.a needs value'],
  ['a list as a term value', { term: { a: { value: [1, 2] } } }, 'term.a.value has a value of the wrong type: [1,2]'],
  ['an object as a range bound', { range: { a: { gte: {} } } }, 'range.a.gte has a value of the wrong type'],
  ['a number as a wildcard pattern', { wildcard: { a: { value: 5 } } }, 'wildcard.a.value has a value of the wrong type: 5'],
  ['a string as case_insensitive', { prefix: { a: { value: 'x', case_insensitive: 'yes' } } }, 'prefix.a.case_insensitive has a value of the wrong type'],
  ['a range on @timestamp', { range: { '@timestamp': { gte: 'now-1d' } } }, "a range on @timestamp: the window is the rule's `window`"],
  ['a terms look-up without its path', { terms: { 'destination.ip': { index: 'jpcert-indicator-lists', id: 'ips' } } }, 'terms.destination.ip is a terms look-up and needs path'],
  ['a terms look-up with an unknown option', { terms: { 'destination.ip': { index: 'i', id: 'ips', path: 'values', boost: 2 } } }, 'terms.destination.ip.boost is not supported'],
  ['a list where a clause stands', [{ term: { a: 1 } }], 'a query clause must be an object'],
])('rejects %s, naming the file and the path', (_name, clause, message) => {
  expect(check(clause)).toThrow(ContentError);
  expect(check(clause)).toThrow(message);
});
