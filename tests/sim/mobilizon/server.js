#!/usr/bin/env node
// Mobilizon 5.1.3 stand-in: GraphQL over POST /api, served from coopsync's subset schema
// (schema.graphql beside this file) with graphql-js, so every document is parsed, validated
// and its variables coerced by a real GraphQL implementation and rejected the way a GraphQL
// server does (HTTP 200, `errors` only, no `data`). Stateful; see model.js for the seed
// format. Extra control endpoints beside simbase's:
//   POST /_sim/expire_tokens {"access": true, "refresh": false}  expire tokens on demand;
//        with "after_requests": N, once N more /api requests have been answered (mid-pass)
//   POST /_sim/settings {...}                                    change settings (ttl, limits)
"use strict";
const fs = require("fs");
const path = require("path");
const g = require("./graphql_lib");
const base = require("./simbase");
const { Model } = require("./model");
const { queryRoot, mutationRoot } = require("./resolvers");
const E = require("./errors");

function dateTimeScalar() {
  // Input must carry an offset (Z or +02:00); output is UTC, second precision, with Z.
  const parse = (value) => {
    if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value))
      throw new TypeError("DateTime must be ISO 8601 with an offset");
    const t = Date.parse(value);
    if (Number.isNaN(t)) throw new TypeError("invalid DateTime");
    return new Date(Math.floor(t / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  };
  return {
    serialize: (v) => v,
    parseValue: parse,
    parseLiteral: (ast) => {
      if (ast.kind !== g.Kind.STRING) throw new TypeError("DateTime must be a string");
      return parse(ast.value);
    },
  };
}

function stringScalar(check, what) {
  const parse = (v) => {
    if (typeof v !== "string" || !check(v)) throw new TypeError(`invalid ${what}`);
    return v;
  };
  return {
    serialize: (v) => v,
    parseValue: parse,
    parseLiteral: (ast) => {
      if (ast.kind !== g.Kind.STRING) throw new TypeError(`${what} must be a string`);
      return parse(ast.value);
    },
  };
}

function buildSchema() {
  const schema = g.buildSchema(fs.readFileSync(path.join(__dirname, "schema.graphql"), "utf8"));
  Object.assign(schema.getType("DateTime"), dateTimeScalar());
  Object.assign(schema.getType("UUID"),
    stringScalar((v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v), "UUID"));
  Object.assign(schema.getType("Point"), stringScalar((v) => /^-?\d+(\.\d+)?;-?\d+(\.\d+)?$/.test(v), "Point"));
  Object.assign(schema.getType("NaiveDateTime"), stringScalar(() => true, "NaiveDateTime"));
  return schema;
}

// Roughly Absinthe's default: one point per selected field, nested ones included.
function complexity(doc) {
  let n = 0;
  g.visit(doc, { Field() { n += 1; } });
  return n;
}

function makeApp(args) {
  const schema = buildSchema();
  const m = new Model();
  const roots = { query: queryRoot(m), mutation: mutationRoot(m) };

  function graphqlBody(req) {
    if (req.method === "GET") {
      return { query: req.query.get("query"), variables: JSON.parse(req.query.get("variables") || "{}"),
        operationName: req.query.get("operationName") || undefined };
    }
    return req.json();
  }

  // A scheduled expiry (control expire_tokens with after_requests): counted down by the
  // requests answered, applied before the next one is authenticated.
  let pendingExpiry = null;

  function expireIfDue() {
    if (!pendingExpiry || pendingExpiry.left > 0) return;
    if (pendingExpiry.access) m.expireAccessTokens();
    if (pendingExpiry.refresh) m.expireRefreshTokens();
    m.counts.scheduled_expiries = (m.counts.scheduled_expiries || 0) + 1;
    pendingExpiry = null;
  }

  function execute(req) {
    expireIfDue();
    if (pendingExpiry) pendingExpiry.left -= 1;
    let body;
    try {
      body = graphqlBody(req);
    } catch (e) {
      return base.jsonResponse({ errors: [{ message: "Could not parse the request body as JSON" }] }, 400);
    }
    if (!body || typeof body.query !== "string" || !body.query) {
      return base.jsonResponse({ errors: [{ message: "No query document supplied" }] }, 400);
    }
    // Guardian's VerifyHeader runs before GraphQL: a bad token is an HTTP 401, not a GraphQL error.
    let user = null;
    const auth = req.header("authorization");
    if (auth) {
      const m2 = /^Bearer\s+(.+)$/i.exec(auth);
      if (m2) {
        const r = m.authenticate(m2[1].trim());
        if (r.error) return base.jsonResponse({ message: "invalid_token", details: r.error }, 401);
        user = r.user;
      }
    }
    let doc;
    try {
      doc = g.parse(body.query);
    } catch (e) {
      return base.jsonResponse({ errors: [E.format(e)] });
    }
    const invalid = g.validate(schema, doc);
    if (invalid.length) {
      m.counts.invalid_documents = (m.counts.invalid_documents || 0) + 1;
      return base.jsonResponse({ errors: invalid.map(E.format) });
    }
    const cost = complexity(doc);
    if (cost > m.settings.max_complexity) {
      return base.jsonResponse({ errors: [{ message: `Operation is too complex: complexity is ${cost} and maximum is ${m.settings.max_complexity}` }] });
    }
    const op = g.getOperationAST(doc, body.operationName);
    if (!op) return base.jsonResponse({ errors: [{ message: "Must provide operation name if query contains multiple operations." }] });
    if (op.operation === "subscription") return base.jsonResponse({ errors: [{ message: "Subscriptions go over the WebSocket" }] });
    const ctx = { user, ip: req.headers["x-forwarded-for"] || "127.0.0.1" };
    const result = g.execute({ schema, document: doc, rootValue: roots[op.operation], contextValue: ctx,
      variableValues: body.variables || {}, operationName: body.operationName || undefined });
    const out = {};
    if (result.data !== undefined) out.data = result.data;
    if (result.errors && result.errors.length) out.errors = result.errors.map(E.format);
    app.count(`op:${op.name ? op.name.value : "anonymous"}`);
    return base.jsonResponse(out);
  }

  const app = {
    name: "mobilizon",
    handle(req) {
      if (req.path !== "/api") return { status: 404, body: Buffer.from("Not Found"), headers: [["Content-Type", "text/plain"]] };
      if (req.method !== "POST" && req.method !== "GET") {
        return { status: 405, body: Buffer.from(""), headers: [["Allow", "GET, POST"]] };
      }
      return execute(req);
    },
    state: () => Object.assign(m.state(), { counts: m.counts }),
    seed: (data) => m.seed(data),
    reset: () => { m.reset(); m.counts = {}; pendingExpiry = null; },
    // Behind nginx, an upstream failure is an HTML page, not GraphQL.
    renderFault: (req, status) => ({ status, headers: [["Content-Type", "text/html"]],
      body: Buffer.from(`<html><head><title>${status}</title></head><body><center><h1>${status}</h1></center><hr><center>nginx</center></body></html>`) }),
    renderRateLimit: (req, retryAfterMs) => ({ status: 429,
      headers: [["Content-Type", "text/html"], ["Retry-After", String(Math.max(1, Math.round(retryAfterMs / 1000)))]],
      body: Buffer.from("<html><head><title>429 Too Many Requests</title></head><body><center><h1>429 Too Many Requests</h1></center><hr><center>nginx</center></body></html>") }),
    control(req, p) {
      if (p === "expire_tokens" && req.method === "POST") {
        const b = req.json() || {};
        if (Number.isInteger(b.after_requests) && b.after_requests > 0) {
          pendingExpiry = { left: b.after_requests, access: b.access !== false, refresh: !!b.refresh };
          return base.jsonResponse({ ok: true, scheduled: true });
        }
        if (b.access !== false) m.expireAccessTokens();
        if (b.refresh) m.expireRefreshTokens();
        return base.jsonResponse({ ok: true });
      }
      if (p === "settings" && req.method === "POST") {
        Object.assign(m.settings, req.json() || {});
        if ("access_ttl" in (req.json() || {}) || "login_per_ip_per_minute" in (req.json() || {})) m.rate = {};
        return base.jsonResponse(m.settings);
      }
      return null;
    },
  };
  m.counts = {};
  return app;
}

if (require.main === module) base.main(makeApp);
module.exports = { makeApp, buildSchema };
