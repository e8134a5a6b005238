/** A configuration problem; the worker prints it and exits before touching any task. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
