import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (almost always 100). */
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) a process has used so far, in ms; undefined once it is gone. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: split after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/**
 * A CPU meter over a set of processes: the server's, and the PostgreSQL backends serving the bench
 * database. The backends are listed at the start and again at the end (`listPids`): a pool may open
 * a connection during the run (after its idle timeout closed one), whose whole CPU then counts.
 */
export async function cpuMeter(serverPid, pgPids, listPids) {
  const start = { server: serverPid ? cpuMs(serverPid) ?? 0 : 0, pg: new Map((pgPids ?? []).map((pid) => [pid, cpuMs(pid) ?? 0])) };
  return {
    async stop() {
      const server = serverPid ? (cpuMs(serverPid) ?? start.server) - start.server : 0;
      let pg = 0;
      for (const [pid, before] of start.pg) pg += Math.max(0, (cpuMs(pid) ?? before) - before);
      for (const pid of listPids ? await listPids() : []) if (!start.pg.has(pid)) pg += cpuMs(pid) ?? 0;
      return { serverMs: server, pgMs: pg };
    },
  };
}

export async function backendPids(admin, database) {
  const { rows } = await admin.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]);
  return rows.map((row) => row.pid);
}

export function loadAverage() {
  return os.loadavg().map((value) => Number(value.toFixed(2)));
}

export function machine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}
