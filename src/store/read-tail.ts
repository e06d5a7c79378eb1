import { open } from 'node:fs/promises';

/** The last `bytes` of a file ('' when it does not exist), and whether the start was cut off. */
export async function readTail(file: string, bytes: number): Promise<{ text: string; cut: boolean }> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return { text: '', cut: false };
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    return { text: buffer.toString('utf8'), cut: start > 0 };
  } finally {
    await handle.close();
  }
}
