/** Child-process side of ipc-cost (forked with serialization 'advanced'): answers every message with a small object. */
interface Ping { id: number; data?: Float32Array }

process.on('message', (message: Ping) => {
  process.send?.({ id: message.id, n: message.data?.length ?? 0 });
});
process.on('disconnect', () => process.exit(0));
