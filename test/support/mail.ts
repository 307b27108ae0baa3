/**
 * Makes a raw SMTP message readable for assertions: the header block is kept as sent (only
 * unfolded — quoted-printable never applies to headers, and decoding them would corrupt
 * values such as `token=6B…`), the rest has its quoted-printable soft breaks and escapes undone
 * as UTF-8 bytes, so links and non-ASCII text can be read from it.
 */
export function readableMail(raw: Buffer | string): string {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  const split = /\r?\n\r?\n/.exec(text);
  if (!split) return text.replace(/\r?\n[ \t]+/g, ' ');
  const head = text.slice(0, split.index).replace(/\r?\n[ \t]+/g, ' ');
  return `${head}${split[0]}${decodeQuotedPrintable(text.slice(split.index + split[0].length))}`;
}

/** RFC 2045 §6.7 quoted-printable decoding into UTF-8 text. */
export function decodeQuotedPrintable(body: string): string {
  const joined = body.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i]!;
    const hex = c === '=' ? joined.slice(i + 1, i + 3) : '';
    if (/^[0-9A-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
