/**
 * Request-target path normalisation before routing (RFC 3986 §6.2.2, Envoy's `normalize_path`):
 * the proxy routes on the normalised path and sends that same path upstream, so an upstream can
 * never resolve a path the proxy did not route (`/public/../secret` reaching the /public service
 * and being served as /secret there).
 *
 * Always done: dot segments (`.`, `..`, also percent-encoded as `%2e` in any case) are resolved,
 * and `..` above the root stays at the root (RFC 3986 §5.2.4); percent-encoded unreserved
 * characters (ALPHA DIGIT - . _ ~) are decoded and every other escape is upper-cased (§6.2.2.1-2),
 * so one resource has one spelling. An invalid escape (`%zz`, `%4`), a fragment (`#`) or a raw
 * backslash (never valid in a request target, a path separator to some servers) is refused.
 * The query string is left exactly as sent.
 *
 * Per listener: `mergeSlashes` (`//` -> `/`) and what to do with escaped slashes `%2F`/`%5C`:
 * `keep` them encoded, `reject` the request, or `decode` them to `/` before dot segments are
 * resolved. Under `keep`, a segment whose escaped slashes would hide a dot segment (`..%2Fx`,
 * `a%5C..`) is refused anyway: an upstream that decodes them would resolve it, and no valid
 * request needs one.
 *
 * Only origin-form targets (`/...`) are touched; `*` and absolute-form are returned as sent
 * (no route prefix can match them). Pure: no framework, no I/O. The common path (no `%`, no
 * `/.`, no `\`, no `#`, no `//` when merging) is one scan and returns the same string.
 */

export type EscapedSlashes = 'keep' | 'reject' | 'decode';
export const ESCAPED_SLASHES: readonly EscapedSlashes[] = ['keep', 'reject', 'decode'];

export interface PathNormalization {
  /** `//` (empty segments) collapse to `/`. */
  readonly mergeSlashes: boolean;
  readonly escapedSlashes: EscapedSlashes;
}

/** Empty segments can be meaningful to an upstream, and `%2F` is common in APIs (GitLab `group%2Fproject`). */
export const DEFAULT_PATH_NORMALIZATION: PathNormalization = Object.freeze({ mergeSlashes: false, escapedSlashes: 'keep' });

export type PathRejectionReason = 'bad-percent-encoding' | 'bad-character' | 'escaped-slash' | 'escaped-dot-segment';

export interface PathRejection {
  readonly reason: PathRejectionReason;
  readonly message: string;
}

const SLASH = 47;
const DOT = 46;
const PERCENT = 37;
const BACKSLASH = 92;
const HASH = 35;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/** RFC 3986 unreserved: ALPHA DIGIT - . _ ~ */
function isUnreserved(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === DOT || c === 95 || c === 126;
}

const HEX = '0123456789ABCDEF';

/** True when the path needs the slow path: anything that normalisation could change or refuse. */
function needsWork(path: string, mergeSlashes: boolean): boolean {
  let prev = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === PERCENT || c === BACKSLASH || c === HASH) return true;
    if (prev === SLASH && (c === DOT || (mergeSlashes && c === SLASH))) return true;
    prev = c;
  }
  return false;
}

/** A kept `%2F`/`%5C` whose pieces include `.` or `..` (the segment is already decoded otherwise). */
function hidesDotSegment(segment: string): boolean {
  for (const piece of segment.split(/%2F|%5C/)) if (piece === '.' || piece === '..') return true;
  return false;
}

const reject = (reason: PathRejectionReason, message: string): PathRejection => ({ reason, message });

/**
 * The normalised request target, or why it is refused. Returns `target` itself when nothing
 * changes (the common case allocates nothing).
 */
export function normalizeRequestTarget(target: string, options: PathNormalization): string | PathRejection {
  if (target.charCodeAt(0) !== SLASH) return target;
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  if (!needsWork(path, options.mergeSlashes)) return target;

  // Split into decoded segments (the path starts with '/', so the first segment starts at 1).
  const segments: string[] = [];
  const escapedSlashIn: boolean[] = [];
  let segment = '';
  let hasEscapedSlash = false;
  const endSegment = (): void => {
    segments.push(segment);
    escapedSlashIn.push(hasEscapedSlash);
    segment = '';
    hasEscapedSlash = false;
  };
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === SLASH) {
      endSegment();
    } else if (c === PERCENT) {
      const hi = i + 2 < path.length ? hexValue(path.charCodeAt(i + 1)) : -1;
      const lo = i + 2 < path.length ? hexValue(path.charCodeAt(i + 2)) : -1;
      if (hi < 0 || lo < 0) return reject('bad-percent-encoding', `invalid percent-encoding at offset ${i} of the path`);
      const byte = hi * 16 + lo;
      i += 2;
      if (byte === SLASH || byte === BACKSLASH) {
        if (options.escapedSlashes === 'reject') return reject('escaped-slash', 'escaped slash (%2F or %5C) in the path');
        if (options.escapedSlashes === 'decode') endSegment();
        else {
          segment += byte === SLASH ? '%2F' : '%5C';
          hasEscapedSlash = true;
        }
      } else if (isUnreserved(byte)) {
        segment += String.fromCharCode(byte);
      } else {
        segment += `%${HEX[hi]}${HEX[lo]}`;
      }
    } else if (c === BACKSLASH) {
      return reject('bad-character', 'backslash in the path');
    } else if (c === HASH) {
      return reject('bad-character', 'fragment (#) in the request target');
    } else {
      segment += path[i];
    }
  }
  endSegment();

  // RFC 3986 §5.2.4 remove_dot_segments, on whole segments; `..` at the root stays at the root.
  const out: string[] = [];
  const last = segments.length - 1;
  for (let i = 0; i <= last; i++) {
    const s = segments[i]!;
    if (s === '.' || s === '..') {
      if (s === '..') out.pop();
      // A trailing dot segment leaves a directory: `/a/b/..` is `/a/`.
      if (i === last) out.push('');
      continue;
    }
    if (escapedSlashIn[i] === true && hidesDotSegment(s)) return reject('escaped-dot-segment', 'escaped slash hiding a dot segment in the path');
    if (s === '' && options.mergeSlashes && i !== last) continue;
    out.push(s);
  }
  const normalised = `/${out.join('/')}`;
  return q === -1 ? normalised : normalised + target.slice(q);
}

export function isPathRejection(result: string | PathRejection): result is PathRejection {
  return typeof result !== 'string';
}
