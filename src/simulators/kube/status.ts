/** metav1.Status error responses with the apiserver's reasons and message wording. */
import { qualifiedResource, type ResourceDef } from './resources.js';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message?: string; field?: string }[];
  retryAfterSeconds?: number;
}

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): StatusObject {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

function details(def: ResourceDef, name?: string): StatusDetails {
  return { ...(name !== undefined ? { name } : {}), ...(def.group ? { group: def.group } : {}), kind: def.plural };
}

export const errors = {
  badRequest: (message: string) => new ApiError(400, 'BadRequest', message),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  forbidden(user: string, verb: string, def: ResourceDef, resource: string, namespace?: string, name?: string) {
    const subject = name !== undefined ? `${qualifiedResource(def)} "${name}"` : qualifiedResource(def);
    const scope = namespace !== undefined ? `in the namespace "${namespace}"` : 'at the cluster scope';
    return new ApiError(
      403,
      'Forbidden',
      `${subject} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${def.group}" ${scope}`,
      details(def, name),
    );
  },
  notFound: (def: ResourceDef, name: string) =>
    new ApiError(404, 'NotFound', `${qualifiedResource(def)} "${name}" not found`, details(def, name)),
  pathNotFound: () => new ApiError(404, 'NotFound', 'the server could not find the requested resource', {}),
  methodNotAllowed: () =>
    new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}),
  conflict: (def: ResourceDef, name: string) =>
    new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      details(def, name),
    ),
  alreadyExists: (def: ResourceDef, name: string) =>
    new ApiError(409, 'AlreadyExists', `${qualifiedResource(def)} "${name}" already exists`, details(def, name)),
  expired: (message: string) => new ApiError(410, 'Expired', message),
  unsupportedMediaType: (message: string) => new ApiError(415, 'UnsupportedMediaType', message),
  /** What the apiserver answers when a JSON patch cannot be applied (the detail only in causes). */
  patchNotApplicable: (message: string) =>
    new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
      causes: [{ reason: 'UnexpectedServerResponse', message }],
    }),
  invalid: (def: ResourceDef, name: string, field: string, message: string) =>
    new ApiError(
      422,
      'Invalid',
      `${def.kind}${def.group ? `.${def.group}` : ''} "${name}" is invalid: ${field}: ${message}`,
      {
        ...details(def, name),
        kind: def.kind,
        causes: [{ reason: 'FieldValueInvalid', message, field }],
      },
    ),
  tooLarge: () => new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large'),
};
