/**
 * A reader that stops reading (`dw-schema print payload | head`) closes our stdout. That ends the
 * output, not the command: without a listener Node turns the EPIPE of the next write into an
 * uncaught exception. The socket destroys itself on the error, so later writes are dropped.
 */
export function endOutputQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}
