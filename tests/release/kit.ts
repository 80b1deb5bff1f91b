// A stand-in release folder for the release tests: the files given, and a SHA256SUMS over them written before
// `tamper` (if any) edits the folder, the way a corrupted mirror or a tampered download looks.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatSha256Sums, sha256File } from "../../build.ts";

export async function writeRelease(dir: string, files: Record<string, string>, tamper?: (dir: string) => void): Promise<void> {
  const sums: { fileName: string; hex: string }[] = [];
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
    sums.push({ fileName: name, hex: await sha256File(join(dir, name)) });
  }
  writeFileSync(join(dir, "SHA256SUMS"), formatSha256Sums(sums));
  tamper?.(dir);
}
