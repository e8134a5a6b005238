/** A failure the operator can act on: its message is printed as it is, without a stack. */
export class DeployError extends Error {
  constructor(
    message: string,
    /** Exit status of `dw-deploy`: 1 for a failure, 2 for a usage error. */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'DeployError';
  }
}
