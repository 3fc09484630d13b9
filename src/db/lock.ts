// One process per embedded data directory: PGlite does not enforce it and two writers corrupt it.
// The lock file names its owner by pid, the process's start time (/proc/<pid>/stat field 22) and the
// boot id, so a lock left by a process that died is taken over even when its pid now belongs to
// someone else: PID 1 in the next container, any pid after a host reboot.
import fs from 'node:fs';
import path from 'node:path';

export class DataDirLockedError extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(`数据目录 ${dataDir} 正被另一个进程（pid ${pid}）使用。同一数据目录只能由一个进程打开：请先停止那个进程，或用 DATA_DIR 指定另一个目录。`);
    this.name = 'DataDirLockedError';
  }
}

interface Owner {
  pid: number;
  /** Start time of the process in clock ticks after boot (Linux); absent elsewhere. */
  start?: string;
  boot?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
export function processStart(pid: number): string | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

const bootId = (): string | undefined => read('/proc/sys/kernel/random/boot_id')?.trim();

export function currentOwner(): Owner {
  return { pid: process.pid, start: processStart(process.pid), boot: bootId() };
}

function parseOwner(text: string): Owner | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed) }; // the format before start times
  try {
    const o = JSON.parse(trimmed) as Owner;
    return Number.isInteger(o.pid) && o.pid > 0 ? o : undefined;
  } catch {
    return undefined;
  }
}

/** Is the process the lock names still the one that wrote it? */
export function ownerAlive(o: Owner): boolean {
  if (o.pid === process.pid) return false; // our own pid: a lock from an earlier life of this pid
  if (!alive(o.pid)) return false;
  const boot = bootId();
  if (o.boot && boot && o.boot !== boot) return false; // written before a reboot
  const start = processStart(o.pid);
  if (o.start && start) return o.start === start; // same pid, same process?
  if (!o.start && start !== undefined) {
    // An old-format lock (pid only): only a Node process can be its owner.
    return /node|tsx/.test(read(`/proc/${o.pid}/cmdline`)?.replace(/\0/g, ' ') ?? '');
  }
  return true; // no /proc: the pid alone decides
}

/** Take the lock or throw DataDirLockedError. A lock left by a process that is gone is taken over. */
export function lockDataDir(dataDir: string): { release(): void } {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'zhibu.lock');
  const mine = JSON.stringify(currentOwner());
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        if (read(file) === mine) fs.rmSync(file, { force: true });
      };
      process.once('exit', release);
      return { release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const text = read(file);
      if (text === undefined) continue; // released in between
      const owner = parseOwner(text);
      if (owner && ownerAlive(owner)) throw new DataDirLockedError(dataDir, owner.pid);
      // Stale (or unreadable): take it over, unless someone else did so in the meantime.
      if (read(file) === text) fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`无法锁定数据目录 ${dataDir}`);
}
