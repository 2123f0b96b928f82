/** Hands `blob` to the browser as a download named `fileName`. */
export function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  Object.assign(document.createElement('a'), { href: url, download: fileName }).click();
  // Revoked later, not at once: the browser may still be reading the blob when click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** `value` downloaded as pretty-printed JSON, the way every report is saved. */
export function saveJson(value: unknown, fileName: string): void {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  saveFile(new Blob([text], { type: 'application/json' }), fileName);
}
