/** A minimal RFC 4180 writer for the result file (csv-stringify is not a dependency). */

/**
 * One CSV field. Quotes when needed; a field that a spreadsheet would run as a formula
 * (= + - @, tab, CR) gets a leading apostrophe, since result files are opened in Excel/WPS and
 * the values come from untrusted input.
 *
 * @example csvField('a,b') // '"a,b"'
 * @example csvField('=1+1') // "'=1+1"
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * One CSV line, CRLF-terminated as RFC 4180 asks.
 *
 * @example csvLine(['1', 'x']) // '1,x\r\n'
 */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
