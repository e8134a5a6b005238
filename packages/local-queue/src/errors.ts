// Errors a handler throws; the server turns each into the Taskcluster error body
// `{code, message, requestInfo}` with the HTTP status the real services use for that code
// (libraries/api/src/middleware/errors.js).

export const ERROR_STATUS: Readonly<Record<string, number>> = {
  // InputError first: fault injection picks the first code listed for a status.
  InputError: 400,
  InputValidationError: 400,
  MalformedPayload: 400,
  InvalidRequestArguments: 400,
  NoMatchingBackend: 400,
  AuthenticationFailed: 401,
  InsufficientScopes: 403,
  ResourceNotFound: 404,
  NoMatchingMethod: 406,
  RequestConflict: 409,
  ResourceExpired: 410,
  InputTooLarge: 413,
  InternalServerError: 500,
};

export class ApiError extends Error {
  readonly code: string;
  readonly statusCode: number;

  constructor(code: string, message: string, statusCode?: number) {
    super(message);
    this.name = code;
    this.code = code;
    this.statusCode = statusCode ?? ERROR_STATUS[code] ?? 500;
  }
}

export class MalformedPayload extends ApiError {
  constructor(message: string) {
    super('MalformedPayload', message);
  }
}

export class InvalidRequestArguments extends ApiError {
  constructor(message: string) {
    super('InvalidRequestArguments', message);
  }
}

export class InputValidationError extends ApiError {
  constructor(message: string) {
    super('InputValidationError', message);
  }
}

export class InputError extends ApiError {
  constructor(message: string) {
    super('InputError', message);
  }
}

export class AuthenticationFailed extends ApiError {
  constructor(message: string) {
    super('AuthenticationFailed', message);
  }
}

export class InsufficientScopes extends ApiError {
  constructor(message: string) {
    super('InsufficientScopes', message);
  }
}

export class ResourceNotFound extends ApiError {
  constructor(message: string) {
    super('ResourceNotFound', message);
  }
}

export class NoMatchingMethod extends ApiError {
  constructor(message: string) {
    super('NoMatchingMethod', message);
  }
}

export class RequestConflict extends ApiError {
  constructor(message: string) {
    super('RequestConflict', message);
  }
}

export class ResourceExpired extends ApiError {
  constructor(message: string) {
    super('ResourceExpired', message);
  }
}

export class InputTooLarge extends ApiError {
  constructor(message: string) {
    super('InputTooLarge', message);
  }
}

export class InternalServerError extends ApiError {
  constructor(message: string) {
    super('InternalServerError', message);
  }
}

/** The error code the real services answer with for `status` (used by fault injection). */
export function codeForStatus(status: number): string {
  const found = Object.entries(ERROR_STATUS).find(([, s]) => s === status);
  if (found) return found[0];
  return status >= 500 ? 'InternalServerError' : 'InputError';
}
