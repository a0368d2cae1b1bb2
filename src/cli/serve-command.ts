/**
 * `tessera serve [flags]`: starts a server in this process. Its flags (e.g. `--port`, `--data`, `--help`) belong to
 * the server configuration, so they are passed through untouched and never parsed here. The server (with
 * onnxruntime, the database driver, fastify) is imported only here, so the client commands start fast.
 *
 * @example
 * await serveCommand.run(['--port', '8080', '--data', './data'], process.env);
 */
export const serveCommand = {
  name: 'serve',
  summary: 'start a tessera server in this process (its flags are the server configuration\'s)',
  /** Resolves once the server is listening (it keeps the process alive); 2 for a bad configuration. */
  async run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
    const { serve } = await import('../main.js');
    return serve(argv, env);
  },
} as const;
