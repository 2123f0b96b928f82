/** A dropped file and its path from the drop ("scifact/qrels/test.tsv"). */
export interface DroppedFile {
  path: string;
  file: File;
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/**
 * Every file under a dropped entry (the entry itself when it is a file), in directory order.
 * Take the entries with `webkitGetAsEntry()` inside the drop event: its data is gone after it.
 */
export async function filesUnder(
  entry: FileSystemEntry,
  out: DroppedFile[] = [],
): Promise<DroppedFile[]> {
  if (entry.isFile) {
    out.push({
      path: entry.fullPath.replace(/^\//, ''),
      file: await fileOf(entry as FileSystemFileEntry),
    });
    return out;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries hands out a directory in batches (100 in Chromium) until it returns none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return out;
    for (const child of batch) await filesUnder(child, out);
  }
}
