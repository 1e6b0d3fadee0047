import { randomBytes } from 'node:crypto';
import { link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AppError } from '../errors.js';

/**
 * Writes `content` to `path` so that the file never exists with other content or another mode:
 * a temporary file in the same directory is created with `mode` from the start (so a secret is
 * never readable by others, not even for a moment), chmod-ed to exactly `mode` (the umask can
 * only narrow it), flushed to disk, then moved into place. Without `overwrite` the move is a
 * hard link, which fails if `path` exists — atomically, no check-then-write race — and that
 * failure is AppError CONFLICT. Other file-system errors propagate as they are.
 *
 * @example await writeFileAtomic('/etc/zhengtong/node.key.json', json, 0o600, false)
 */
export async function writeFileAtomic(path: string, content: string, mode: number, overwrite: boolean): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.chmod(mode);
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (overwrite) {
      await rename(temp, path);
    } else {
      await link(temp, path).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new AppError('CONFLICT', `文件已存在，未覆盖：${path}`, { path });
        }
        throw error;
      });
    }
  } finally {
    await rm(temp, { force: true }); // after rename it is gone already; after link it is a second name
  }
  await syncDirectory(dir);
}

/** Flushes a directory entry change to disk; best effort (not possible on every platform). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows and some file systems refuse to open or fsync a directory; the data itself is synced.
  }
}
