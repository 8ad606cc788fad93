import { describe, expect, it } from 'vitest';
import { DEFAULT_PATH_NORMALIZATION, isPathRejection, normalizeRequestTarget, type PathNormalization, type PathRejectionReason } from './path-normalization.js';

const keep = DEFAULT_PATH_NORMALIZATION;
const merge: PathNormalization = { mergeSlashes: true, escapedSlashes: 'keep' };
const rejectSlashes: PathNormalization = { mergeSlashes: false, escapedSlashes: 'reject' };
const decode: PathNormalization = { mergeSlashes: false, escapedSlashes: 'decode' };

describe('normalizeRequestTarget', () => {
  const normalised: Array<[string, PathNormalization, string, string]> = [
    // name, options, target, expected
    ['plain path unchanged', keep, '/api/v1/users', '/api/v1/users'],
    ['root', keep, '/', '/'],
    ['dot-dot into a sibling', keep, '/public/../secret', '/secret'],
    ['encoded dot-dot (lower case)', keep, '/public/%2e%2e/secret', '/secret'],
    ['encoded dot-dot (upper and mixed)', keep, '/public/%2E%2e/secret', '/secret'],
    ['half-encoded dot-dot', keep, '/public/.%2e/secret', '/secret'],
    ['single dot', keep, '/a/./b', '/a/b'],
    ['encoded single dot', keep, '/a/%2E/b', '/a/b'],
    ['dot-dot above the root stays at the root', keep, '/../../etc/passwd', '/etc/passwd'],
    ['dot-dot at the root', keep, '/..', '/'],
    ['trailing dot-dot leaves a directory', keep, '/a/b/..', '/a/'],
    ['trailing dot leaves a directory', keep, '/a/b/.', '/a/b/'],
    ['dots inside a name are not segments', keep, '/a/..b/c../.d', '/a/..b/c../.d'],
    ['three dots are a name', keep, '/a/.../b', '/a/.../b'],
    ['unreserved escapes decoded', keep, '/%61%62%63/%7E%2D%5F%2e%30', '/abc/~-_.0'],
    ['other escapes upper-cased', keep, '/a%3fb/%c3%a9', '/a%3Fb/%C3%A9'],
    ['%25 is not decoded twice', keep, '/a/%252e%252e/b', '/a/%252e%252e/b'],
    ['query left untouched', keep, '/a/../b?x=/../%2e%2e&y=%7e', '/b?x=/../%2e%2e&y=%7e'],
    ['dots in the query only: path unchanged', keep, '/a?p=../../x', '/a?p=../../x'],
    ['empty segments kept when not merging', keep, '/a//b/', '/a//b/'],
    ['empty segment removed by dot-dot (RFC 3986 §5.2.4)', keep, '/a//../b', '/a/b'],
    ['merge slashes', merge, '//a///b//', '/a/b/'],
    ['merge slashes then dot-dot', merge, '/a//..//b', '/b'],
    ['merge slashes, root', merge, '//', '/'],
    ['escaped slash kept, upper-cased', keep, '/projects/group%2fproject', '/projects/group%2Fproject'],
    ['escaped backslash kept', keep, '/a%5cb', '/a%5Cb'],
    ['decode: escaped slash becomes a separator', decode, '/projects/group%2Fproject', '/projects/group/project'],
    ['decode: escaped slash then dot-dot resolved', decode, '/public/..%2fsecret', '/secret'],
    ['decode: escaped backslash then dot-dot resolved', decode, '/public/..%5Csecret', '/secret'],
    ['decode: all-escaped traversal', decode, '/public/%2e%2e%2fsecret', '/secret'],
    ['asterisk-form untouched', keep, '*', '*'],
    ['absolute-form untouched', keep, 'http://h/a/../b', 'http://h/a/../b'],
  ];
  it.each(normalised)('%s', (_name, options, target, expected) => {
    expect(normalizeRequestTarget(target, options)).toBe(expected);
  });

  it('returns the very same string when nothing changes (no allocation on the common path)', () => {
    const target = `/api/${'x'.repeat(20)}?q=1`;
    expect(normalizeRequestTarget(target, merge)).toBe(target);
  });

  const refused: Array<[string, PathNormalization, string, PathRejectionReason]> = [
    ['percent without digits', keep, '/a%', 'bad-percent-encoding'],
    ['percent with one digit', keep, '/a%4', 'bad-percent-encoding'],
    ['percent with non-hex', keep, '/a%zz/b', 'bad-percent-encoding'],
    ['percent with one non-hex', keep, '/a%2g', 'bad-percent-encoding'],
    ['raw backslash', keep, '/public/..\\secret', 'bad-character'],
    ['fragment', keep, '/a#b', 'bad-character'],
    ['keep: escaped slash hiding dot-dot', keep, '/public/..%2fsecret', 'escaped-dot-segment'],
    ['keep: escaped backslash hiding dot-dot', keep, '/public/..%5csecret', 'escaped-dot-segment'],
    ['keep: all-escaped traversal', keep, '/public/%2e%2e%2fsecret', 'escaped-dot-segment'],
    ['keep: escaped slash hiding a single dot', keep, '/a%2F.%2Fb', 'escaped-dot-segment'],
    ['keep: trailing hidden dot-dot', keep, '/a/b%2F..', 'escaped-dot-segment'],
    ['reject: escaped slash', rejectSlashes, '/projects/group%2Fproject', 'escaped-slash'],
    ['reject: escaped backslash', rejectSlashes, '/a%5Cb', 'escaped-slash'],
    ['invalid escape in a later segment', decode, '/a/b/%G0', 'bad-percent-encoding'],
  ];
  it.each(refused)('refuses %s', (_name, options, target, reason) => {
    const result = normalizeRequestTarget(target, options);
    expect(isPathRejection(result) ? result.reason : result).toBe(reason);
  });

  it('leaves an invalid escape in the query alone (the upstream owns the query)', () => {
    expect(normalizeRequestTarget('/a/./b?x=%zz', keep)).toBe('/a/b?x=%zz');
  });
});
