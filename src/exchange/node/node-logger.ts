/** The node's structured log: one JSON line per event on stderr. Never given secrets (keys, API keys, bodies). */
export interface NodeLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 } as const;

/** A logger writing JSON lines at or above `level` (`silent` writes nothing). */
export function createNodeLogger(level: string, nodeId: string, write: (line: string) => void = (l) => process.stderr.write(l)): NodeLogger {
  const min = LEVELS[level as keyof typeof LEVELS] ?? LEVELS.info;
  const at =
    (n: number, name: string) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      if (n >= min) write(JSON.stringify({ level: name, time: new Date().toISOString(), node: nodeId, msg, ...fields }) + '\n');
    };
  return { info: at(30, 'info'), warn: at(40, 'warn'), error: at(50, 'error') };
}
