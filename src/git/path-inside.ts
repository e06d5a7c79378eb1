import path from 'node:path';

/** True when `child` is `parent` itself or anywhere below it (plain path arithmetic, no I/O). */
export function isInsideOrSame(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
