/** The logging surface domain modules may use; pino satisfies it, and `silentLogger` is the no-op. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  info() {}, warn() {}, error() {}, debug() {},
  child() { return silentLogger; },
};
