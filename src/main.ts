/**
 * Composition root: config → db → stores → runtime → app → server. The only place that picks implementations.
 * (Filled in by the serving-core work; `serve` is what `tessera serve` and `npm start` run.)
 */
export async function serve(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  void argv; void env;
  throw new Error('not yet wired');
}
