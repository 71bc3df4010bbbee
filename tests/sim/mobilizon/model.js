// The Mobilizon simulator's state: users, actors (persons and groups), memberships, events,
// addresses, participants, activities, and the JWT-like tokens. Plain JSON rows with
// snake_case keys, the format of --seed files and of GET /_sim/state.
"use strict";
const crypto = require("crypto");

const DEFAULT_SETTINGS = {
  instance_url: "https://mobilizon.example.coop",
  access_ttl: 900, // seconds (Mobilizon: 15 min)
  refresh_ttl: 5184000, // 60 days
  login_per_ip_per_minute: 10, // shared bucket with createEvent (API.md 6)
  login_per_email_per_minute: 5,
  create_event_per_minute: 60,
  only_groups_can_create_events: false,
  only_admins_can_create_groups: false,
  max_complexity: 300,
};

const MODERATOR_ROLES = ["MODERATOR", "ADMINISTRATOR", "CREATOR"];
const MEMBER_ROLES = ["MEMBER"].concat(MODERATOR_ROLES);
// Ecto enum order of participant roles: Mobilizon lists participants ordered by role.
const PARTICIPANT_ROLE_ORDER = [
  "NOT_APPROVED", "NOT_CONFIRMED", "REJECTED", "PARTICIPANT", "MODERATOR", "ADMINISTRATOR", "CREATOR",
];

class Model {
  constructor() {
    this.secret = crypto.randomBytes(32);
    this.reset();
  }

  reset() {
    this.settings = Object.assign({}, DEFAULT_SETTINGS);
    this.users = [];
    this.actors = [];
    this.members = [];
    this.addresses = [];
    this.events = [];
    this.participants = [];
    this.activities = [];
    this.next_id = 1000;
    this.clock = 0; // last timestamp handed out (seconds), so writes are strictly ordered
    this.tokens = { serial: 0, min_access_serial: 0, refresh: {} };
    this.rate = {}; // bucket -> [timestamps]
  }

  // Replaces the whole state with `data` (same keys as state()).
  seed(data) {
    this.reset();
    Object.assign(this.settings, data.settings || {});
    for (const k of ["users", "actors", "members", "addresses", "events", "participants", "activities"]) {
      this[k] = JSON.parse(JSON.stringify(data[k] || []));
    }
    let max = 0;
    for (const k of ["users", "actors", "addresses", "events"])
      for (const r of this[k]) if (/^\d+$/.test(String(r.id))) max = Math.max(max, Number(r.id));
    this.next_id = Math.max(data.next_id || 0, max + 1, 1000);
    for (const e of this.events) {
      e.id = String(e.id);
      e.tags = e.tags || [];
      e.options = e.options || {};
      if (e.local === undefined) e.local = true;
    }
    return { ok: true, events: this.events.length, actors: this.actors.length };
  }

  state() {
    return {
      settings: this.settings, users: this.users, actors: this.actors, members: this.members,
      addresses: this.addresses, events: this.events, participants: this.participants,
      activities: this.activities, next_id: this.next_id,
      tokens: { issued: this.tokens.serial, live_refresh: Object.keys(this.tokens.refresh).length },
    };
  }

  newId() { return String(this.next_id++); }

  // A timestamp for a write: wall clock, but strictly after the previous write, so a test
  // never sees two writes share an updatedAt (the real server has second precision too).
  tick() {
    const now = Math.floor(Date.now() / 1000);
    this.clock = Math.max(now, this.clock + 1);
    return isoSeconds(this.clock);
  }
  nowSeconds() { return Math.max(Math.floor(Date.now() / 1000), this.clock); }

  // --- lookups ---------------------------------------------------------------------
  user(id) { return this.users.find((u) => String(u.id) === String(id)); }
  actor(id) { return id === null || id === undefined ? undefined : this.actors.find((a) => String(a.id) === String(id)); }
  event(id) { return this.events.find((e) => e.id === String(id)); }
  eventByUuid(uuid) { return this.events.find((e) => e.uuid === uuid); }
  address(id) { return this.addresses.find((a) => String(a.id) === String(id)); }
  // "name" is local, "name@domain" remote; a leading "@" is ignored.
  actorByName(name, type) {
    const n = String(name).replace(/^@/, "");
    const [user, domain] = n.includes("@") ? [n.slice(0, n.indexOf("@")), n.slice(n.indexOf("@") + 1)] : [n, null];
    return this.actors.find((a) => a.type === type && a.preferred_username === user && (a.domain || null) === domain);
  }
  userActors(user) { return this.actors.filter((a) => a.type === "PERSON" && String(a.user_id) === String(user.id)); }
  ownsActor(user, actorId) { const a = this.actor(actorId); return !!a && a.type === "PERSON" && String(a.user_id) === String(user.id); }
  currentActor(user) {
    return this.actor(user.default_actor_id) || this.userActors(user)[0];
  }
  membership(groupId, actorId) {
    return this.members.find((m) => String(m.parent_id) === String(groupId) && String(m.actor_id) === String(actorId));
  }
  memberRole(groupId, actorId) { const m = this.membership(groupId, actorId); return m ? m.role : null; }
  isMember(groupId, actorId) { return MEMBER_ROLES.includes(this.memberRole(groupId, actorId)); }
  isModerator(groupId, actorId) { return MODERATOR_ROLES.includes(this.memberRole(groupId, actorId)); }

  // Can this user (through its current actor) see the event at all?
  canSee(user, e) {
    const actor = user ? this.currentActor(user) : null;
    if (e.attributed_to_id) {
      if (e.draft) return !!actor && this.isModerator(e.attributed_to_id, actor.id);
      if (["PUBLIC", "UNLISTED"].includes(e.visibility)) return true;
      return !!actor && this.isMember(e.attributed_to_id, actor.id);
    }
    if (user && this.ownsActor(user, e.organizer_actor_id)) return true;
    return !e.draft && ["PUBLIC", "UNLISTED"].includes(e.visibility);
  }
  // May the current actor moderate (update, list participants of) this event?
  canModerate(user, e) {
    const actor = user ? this.currentActor(user) : null;
    if (!actor) return false;
    if (e.attributed_to_id) return this.isModerator(e.attributed_to_id, actor.id);
    return String(e.organizer_actor_id) === String(actor.id);
  }

  // Indexed by event (rebuilt after any change of the participant rows): a listing of 1,000
  // events with 20,000 participants must not scan them all per event.
  participantsOf(e) {
    if (this._pindex_array !== this.participants || this._pindex_version !== this.pversion) {
      this._pindex = new Map();
      for (const p of this.participants) {
        if (!this._pindex.has(p.event_id)) this._pindex.set(p.event_id, []);
        this._pindex.get(p.event_id).push(p);
      }
      this._pindex_array = this.participants;
      this._pindex_version = this.pversion;
    }
    return this._pindex.get(e.id) || [];
  }
  touchParticipants() { this.pversion = (this.pversion || 0) + 1; }
  countRole(e, role) { return this.participantsOf(e).filter((p) => p.role === role).length; }

  // --- tokens: HS512 JWTs, like Guardian's --------------------------------------------
  sign(claims) {
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const head = b64({ alg: "HS512", typ: "JWT" });
    const body = b64(claims);
    const sig = crypto.createHmac("sha512", this.secret).update(head + "." + body).digest("base64url");
    return `${head}.${body}.${sig}`;
  }
  // Returns {claims} or {error: ":token_expired" | ":invalid_token"}.
  verify(token) {
    const parts = String(token).split(".");
    if (parts.length !== 3) return { error: ":invalid_token" };
    const sig = crypto.createHmac("sha512", this.secret).update(parts[0] + "." + parts[1]).digest("base64url");
    if (sig.length !== parts[2].length || !crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(parts[2])))
      return { error: ":invalid_token" };
    let claims;
    try { claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")); } catch (e) { return { error: ":invalid_token" }; }
    if (claims.exp <= Math.floor(Date.now() / 1000)) return { error: ":token_expired" };
    return { claims };
  }
  issuePair(user) {
    const iat = Math.floor(Date.now() / 1000);
    const access = this.sign({ typ: "access", sub: `User:${user.id}`, iss: "mobilizon", iat,
      exp: iat + Number(this.settings.access_ttl), n: ++this.tokens.serial, jti: crypto.randomUUID() });
    const jti = crypto.randomUUID();
    const refresh = this.sign({ typ: "refresh", sub: `User:${user.id}`, iss: "mobilizon", iat,
      exp: iat + Number(this.settings.refresh_ttl), n: ++this.tokens.serial, jti });
    this.tokens.refresh[jti] = String(user.id);
    return { accessToken: access, refreshToken: refresh };
  }
  // The user behind an access token, or {error} as Guardian's VerifyHeader would answer.
  authenticate(token) {
    const v = this.verify(token);
    if (v.error) return v;
    if (v.claims.typ !== "access") return { error: ":invalid_token" };
    if (v.claims.n <= this.tokens.min_access_serial) return { error: ":token_expired" };
    const user = this.user(String(v.claims.sub).replace(/^User:/, ""));
    if (!user || user.disabled) return { error: ":invalid_token" };
    return { user };
  }
  // Rotation: the old refresh token is revoked, a new pair is issued.
  rotate(refreshToken) {
    const v = this.verify(refreshToken);
    if (v.error || v.claims.typ !== "refresh" || !(v.claims.jti in this.tokens.refresh)) return null;
    const user = this.user(this.tokens.refresh[v.claims.jti]);
    delete this.tokens.refresh[v.claims.jti];
    if (!user || user.disabled) return null;
    return this.issuePair(user);
  }
  revokeRefresh(refreshToken) {
    const v = this.verify(refreshToken);
    if (v.error || !(v.claims.jti in this.tokens.refresh)) return false;
    delete this.tokens.refresh[v.claims.jti];
    return true;
  }
  // Test hook: every access token issued so far counts as expired from now on.
  expireAccessTokens() { this.tokens.min_access_serial = this.tokens.serial; }
  expireRefreshTokens() { this.tokens.refresh = {}; }

  // Sliding one-minute window limiter; true when the call is allowed (and counted).
  allow(bucket, limit) {
    const now = Date.now();
    const hits = (this.rate[bucket] || []).filter((t) => now - t < 60000);
    if (hits.length >= Number(limit)) { this.rate[bucket] = hits; return false; }
    hits.push(now);
    this.rate[bucket] = hits;
    return true;
  }
}

function isoSeconds(seconds) {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

module.exports = { Model, isoSeconds, MODERATOR_ROLES, MEMBER_ROLES, PARTICIPANT_ROLE_ORDER };
