/**
 * Resolves at the first SIGINT or SIGTERM, then stops listening for them: a long-running command
 * (`meta serve`, `meta replicate --watch`) closes cleanly instead of dying mid-write.
 *
 * @example
 * await untilSignalled();
 * await server.close();
 */
export function untilSignalled(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
