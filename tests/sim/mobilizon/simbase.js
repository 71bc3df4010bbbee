// Node port of tests/sim/common/simbase.py for the Mobilizon simulator, with the same
// command line and control API, so tests start and steer every simulator the same way:
//   --port 0 (free port), first stdout line "LISTENING <port>", --port-file F, --seed F.json,
//   --verbose; POST /_sim/faults, GET /_sim/faults, GET /_sim/state, POST /_sim/seed,
//   POST /_sim/reset, GET|DELETE /_sim/stats. Control endpoints are never faulted.
// Why Node: graphql-js, the reference GraphQL implementation (Debian node-graphql), parses,
// validates AND executes documents, so responses follow the selection sets exactly
// (aliases, fragments, __typename, variable coercion errors) without a hand-written executor.
"use strict";
const fs = require("fs");
const http = require("http");

const MAX_BODY = 64 * 1024 * 1024;

// Same fault plan as simbase.py's Faults (see its docstring for the keys).
class Faults {
  constructor() {
    this.cfg = {};
    this.seen = 0;
    this.injected = 0;
    this.rng = mulberry32(1234);
  }
  configure(cfg) {
    this.cfg = Object.assign({}, cfg || {});
    this.seen = 0;
    this.injected = 0;
    if ("seed" in this.cfg) this.rng = mulberry32(Number(this.cfg.seed) || 0);
  }
  pick(req) {
    const cfg = this.cfg;
    if (!cfg || Object.keys(cfg).length === 0) return [0, null];
    if (cfg.path_prefix && !req.path.startsWith(cfg.path_prefix)) return [0, null];
    if (cfg.methods && !cfg.methods.includes(req.method)) return [0, null];
    const latency = Number(cfg.latency_ms || 0) / 1000;
    this.seen += 1;
    if ("count" in cfg && this.injected >= Number(cfg.count)) return [latency, null];
    let hit = false;
    if (cfg.every_nth && this.seen % Number(cfg.every_nth) === 0) hit = true;
    if (cfg.rate && this.rng() < Number(cfg.rate)) hit = true;
    if (!hit) return [latency, null];
    const kinds = cfg.kinds && cfg.kinds.length ? cfg.kinds : ["status:503"];
    this.injected += 1;
    return [latency, kinds[Math.floor(this.rng() * kinds.length)]];
  }
  snapshot() {
    return { config: this.cfg, seen: this.seen, injected: this.injected };
  }
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function jsonResponse(obj, status = 200, headers = []) {
  return {
    status,
    body: Buffer.from(JSON.stringify(obj), "utf8"),
    headers: headers.concat([["Content-Type", "application/json; charset=utf-8"]]),
  };
}

function parseArgs(argv, extra) {
  const args = { port: 0, port_file: null, seed: null, verbose: false };
  for (const k of Object.keys(extra || {})) args[k] = extra[k];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const take = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--port") args.port = Number(take());
    else if (a === "--port-file") args.port_file = take();
    else if (a === "--seed") args.seed = take();
    else if (a === "--verbose") args.verbose = true;
    else if (a.startsWith("--") && a.slice(2).replace(/-/g, "_") in (extra || {}))
      args[a.slice(2).replace(/-/g, "_")] = take();
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

// app: { name, handle(req) -> response (may be a Promise), state(), seed(obj), reset(),
//        renderFault(req, status), renderRateLimit(req, retryAfterMs), control?(req) }
function serve(app, args) {
  const faults = new Faults();
  let stats = {};
  const count = (k) => { stats[k] = (stats[k] || 0) + 1; };
  app.count = count;

  function control(req) {
    const p = req.path.slice("/_sim/".length);
    if (p === "state" && req.method === "GET") return jsonResponse(app.state());
    if (p === "seed" && req.method === "POST") {
      const r = app.seed(req.json() || {});
      return jsonResponse(r === undefined || r === null ? { ok: true } : r);
    }
    if (p === "reset" && req.method === "POST") { app.reset(); stats = {}; return jsonResponse({ ok: true }); }
    if (p === "faults" && req.method === "POST") { faults.configure(req.json() || {}); return jsonResponse({ ok: true }); }
    if (p === "faults" && req.method === "GET") return jsonResponse(faults.snapshot());
    if (p === "stats" && req.method === "GET") return jsonResponse(stats);
    if (p === "stats" && req.method === "DELETE") { stats = {}; return jsonResponse({ ok: true }); }
    if (app.control) {
      const r = app.control(req, p);
      if (r) return r;
    }
    return jsonResponse({ error: "unknown control endpoint " + req.path }, 404);
  }

  function send(res, r) {
    const headers = {};
    for (const [k, v] of r.headers || []) headers[k] = v;
    headers["Content-Length"] = String(r.body.length);
    res.writeHead(r.status, headers);
    res.end(r.body);
  }

  function drop(res) {
    res.socket.destroy();
  }

  const server = http.createServer((res0, res) => {
    const chunks = [];
    let size = 0;
    let tooBig = false;
    res0.on("data", (c) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    res0.on("end", async () => {
      const url = new URL(res0.url, "http://127.0.0.1");
      const req = {
        method: res0.method,
        path: url.pathname,
        query: url.searchParams,
        headers: res0.headers,
        header: (n) => res0.headers[n.toLowerCase()],
        body: Buffer.concat(chunks),
        json() { return this.body.length ? JSON.parse(this.body.toString("utf8")) : null; },
      };
      if (tooBig) {
        send(res, { status: 413, body: Buffer.from("request body too large"), headers: [["Content-Type", "text/plain"], ["Connection", "close"]] });
        return;
      }
      if (args.verbose) process.stderr.write(`${app.name} ${req.method} ${req.path}\n`);
      try {
        if (req.path.startsWith("/_sim/")) {
          let r;
          try { r = control(req); } catch (e) { r = jsonResponse({ error: String(e) }, 400); }
          send(res, r);
          return;
        }
        count("requests");
        const [latency, fault] = faults.pick(req);
        if (latency) await sleep(latency * 1000);
        if (fault === "drop") return drop(res);
        if (fault === "timeout") {
          await sleep(Number(faults.cfg.hold_ms || 30000));
          return drop(res);
        }
        if (fault && fault.startsWith("status:")) {
          count("faults");
          return send(res, app.renderFault(req, Number(fault.split(":")[1])));
        }
        if (fault === "rate_limit") {
          count("faults");
          return send(res, app.renderRateLimit(req, Number(faults.cfg.retry_after_ms || 1000)));
        }
        const r = await app.handle(req);
        if (fault === "drop_after") {
          count("faults");
          return drop(res);
        }
        send(res, r);
      } catch (e) {
        // A simulator bug must be visible, not a hang.
        process.stderr.write(`${app.name} error: ${e && e.stack}\n`);
        send(res, { status: 500, body: Buffer.from("simulator error: " + e), headers: [["Content-Type", "text/plain"]] });
      }
    });
  });
  server.keepAliveTimeout = 30000;
  // Loopback only, always: simulators hold test credentials and fake data.
  server.listen(args.port, "127.0.0.1", () => {
    const port = server.address().port;
    if (args.port_file) {
      fs.writeFileSync(args.port_file + ".tmp", String(port));
      fs.renameSync(args.port_file + ".tmp", args.port_file);
    }
    process.stdout.write(`LISTENING ${port}\n`);
    // Tests may close our stdout after that line: never write to it again.
    process.stdout.on("error", () => {});
  });
  // Keep-alive connections would hold close() open: exit at once, there is nothing to flush.
  process.on("SIGTERM", () => process.exit(0));
  process.on("SIGINT", () => process.exit(0));
  return server;
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function main(makeApp, extraArgs) {
  const args = parseArgs(process.argv.slice(2), extraArgs);
  const app = makeApp(args);
  if (args.seed) app.seed(JSON.parse(fs.readFileSync(args.seed, "utf8")));
  serve(app, args);
}

module.exports = { main, jsonResponse, Faults };
