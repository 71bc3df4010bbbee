// Resolver errors shaped by Mobilizon's lib/graphql/error.ex (API.md 5): code, status_code
// and field sit at the top level of each error object, message may be a list (changesets).
"use strict";

class MobError extends Error {
  constructor(message, code, statusCode, field = null) {
    super(Array.isArray(message) ? message.join(", ") : message);
    this.mobilizon = { message, code, status_code: statusCode, field };
  }
}

const ATOMS = {
  unauthenticated: ["You need to be logged in", 401],
  unauthorized: ["You don't have permission to do this", 403],
  not_found: ["Resource not found", 404],
  user_not_found: ["User not found", 404],
  event_not_found: ["Event not found", 404],
  group_not_found: ["Group not found", 404],
  invalid_argument: ["Invalid arguments passed", 400],
};

// A resolver returning an atom ({:error, :event_not_found}).
function atom(name) {
  const [message, status] = ATOMS[name];
  return new MobError(message, name, status);
}
// A resolver returning a plain (translated) string: unknown_error / 500.
function str(message) {
  return new MobError(message, "unknown_error", 500);
}
// An Ecto changeset error on one field: list message, code validation, 422.
function validation(field, messages) {
  return new MobError(messages, "validation", 422, field);
}

// GraphQLError -> the JSON object Absinthe would emit.
function format(err) {
  const out = { message: err.message };
  if (err.locations) out.locations = err.locations;
  if (err.path) out.path = err.path;
  const m = err.originalError && err.originalError.mobilizon;
  if (m) {
    out.message = m.message;
    out.code = m.code;
    out.status_code = m.status_code;
    out.field = m.field;
  }
  return out;
}

module.exports = { MobError, atom, str, validation, format };
