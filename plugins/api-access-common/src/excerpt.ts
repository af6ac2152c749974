/*
 * Log hygiene: request input (a body, a header, a path segment) may appear in
 * an error message, a log line or an auditor event only as a bounded, escaped
 * excerpt. One copy, used by every error message that quotes input.
 */

/** The longest excerpt of one piece of input, in characters. */
export const EXCERPT_MAX_CHARS = 200;

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators:
// anything that can start a new line or move the cursor in a text log.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeChar(char: string): string {
  switch (char) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
      return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
}

/**
 * A single-line, bounded rendering of untrusted input: control characters
 * (CR and LF included) are escaped as `\r`, `\n`, `\u001b`..., and anything
 * past `maxChars` is cut and counted, e.g. `aaaa… (181000 more characters)`.
 * Non-strings are rendered with JSON (bounded the same way).
 */
export function excerpt(value: unknown, maxChars = EXCERPT_MAX_CHARS): string {
  let text: string;
  if (typeof value === 'string') {
    text = value;
  } else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  const cut = text.length > maxChars;
  let head = cut ? text.slice(0, maxChars) : text;
  // Never leave half a surrogate pair at the cut.
  if (cut && /[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1);
  const safe = head.replace(UNSAFE, escapeChar);
  return cut ? `${safe}… (${text.length - head.length} more characters)` : safe;
}

/**
 * The same error with its message made a bounded single line, for loggers
 * and auditor events (which write `error.message`). Keeps the name, so a
 * Backstage error type still maps to its status.
 */
export function sanitizeError(input: unknown, maxChars = 1000): Error {
  const error = input as Error;
  // Duck-typed: errors from another realm (a VM, a worker) are not `instanceof Error`.
  if (
    !error ||
    typeof error !== 'object' ||
    typeof (error as Error).message !== 'string'
  ) {
    return new Error(excerpt(input, maxChars));
  }
  const message = excerpt(error.message, maxChars);
  if (message === error.message) return error;
  const safe = new Error(message);
  safe.name = error.name;
  safe.stack = `${error.name}: ${message}`;
  return safe;
}

