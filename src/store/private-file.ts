/**
 * Writes a file atomically (unique temp file, fsync, rename) with mode 0600
 * whatever the umask: every durable file of the project goes through here.
 * write-file-atomic is loaded on the first write, so a server that only
 * answers initialize and tools/list never pays for it.
 */
export async function writePrivateFile(file: string, data: string): Promise<void> {
  const { default: writeFileAtomic } = await import('write-file-atomic');
  await writeFileAtomic(file, data, { mode: 0o600 });
}
