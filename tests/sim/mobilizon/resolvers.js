// Root resolvers: queries, and the mutations the connector uses, with Mobilizon's rules and
// error texts (API.md 4, PITFALLS.md). Event mutations live in event_mutations.js.
"use strict";
const crypto = require("crypto");
const E = require("./errors");
const V = require("./views");
const eventMutations = require("./event_mutations");

function requireUser(ctx) {
  if (!ctx.user) throw E.atom("unauthenticated");
  return ctx.user;
}

function queryRoot(m) {
  return {
    loggedUser: (args, ctx) => V.userView(m, requireUser(ctx)),
    loggedPerson: (args, ctx) => V.actorView(m, m.currentActor(requireUser(ctx))),
    identities: (args, ctx) => m.userActors(requireUser(ctx)).map((a) => V.actorView(m, a)),
    fetchPerson: (args, ctx) => {
      requireUser(ctx);
      const a = m.actorByName(args.preferredUsername, "PERSON");
      if (!a) throw E.str(`Person with username ${args.preferredUsername} not found`);
      return V.actorView(m, a);
    },
    person: (args, ctx) => {
      requireUser(ctx);
      const a = m.actor(args.id);
      if (!a || a.type !== "PERSON") throw E.str(`Person with id ${args.id} not found`);
      return V.actorView(m, a);
    },
    searchPersons: (args, ctx) => {
      const u = requireUser(ctx);
      if (!["MODERATOR", "ADMINISTRATOR"].includes(u.role)) throw E.atom("unauthorized");
      const t = String(args.term || "").toLowerCase();
      const rows = m.actors.filter((a) => a.type === "PERSON" &&
        (a.preferred_username.toLowerCase().includes(t) || (a.name || "").toLowerCase().includes(t)));
      const pg = V.page(rows, args);
      return { total: pg.total, elements: pg.elements.map((a) => V.actorView(m, a)) };
    },
    group: (args) => {
      const g = m.actorByName(args.preferredUsername, "GROUP");
      if (!g) throw E.atom("group_not_found");
      return V.actorView(m, g);
    },
    event: (args, ctx) => {
      const e = m.eventByUuid(args.uuid);
      if (!e || !m.canSee(ctx.user, e)) throw E.atom("event_not_found");
      return V.eventView(m, e);
    },
    searchEvents: (args) => {
      const fold = (s) => String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
      const term = fold(args.term);
      const from = args.beginsOn || V.isoSeconds(m.nowSeconds());
      let rows = m.events.filter((e) => e.visibility === "PUBLIC" && !e.draft && fold(e.title).includes(term));
      rows = rows.filter((e) => (e.ends_on || e.begins_on) >= from);
      if (args.endsOn) rows = rows.filter((e) => e.begins_on <= args.endsOn);
      rows.sort((x, y) => (x.begins_on < y.begins_on ? -1 : 1));
      const pg = V.page(rows, args);
      return { total: pg.total, elements: pg.elements.map((e) => V.eventView(m, e)) };
    },
  };
}

function mutationRoot(m) {
  const root = {
    login: (args, ctx) => {
      // Rate limits first, like Rajska's limiter in front of the resolver.
      if (!m.allow(`query:${ctx.ip}`, m.settings.login_per_ip_per_minute) ||
          !m.allow(`query:${String(args.email).toLowerCase()}`, m.settings.login_per_email_per_minute))
        throw E.str("Too many requests");
      const u = m.users.find((x) => x.email.toLowerCase() === String(args.email).toLowerCase() && x.confirmed !== false);
      if (!u) throw E.atom("user_not_found");
      if (u.disabled) throw E.str("This user has been disabled");
      if (u.password !== args.password) throw E.str("Impossible to authenticate, either your email or password are invalid.");
      return Object.assign(m.issuePair(u), { user: V.userView(m, u) });
    },
    refreshToken: (args) => {
      const pair = m.rotate(args.refreshToken);
      if (!pair) throw E.str("Cannot refresh the token");
      return pair;
    },
    logout: (args, ctx) => {
      requireUser(ctx);
      if (!m.revokeRefresh(args.refreshToken)) throw new E.MobError("token_not_found", "token_not_found", 422);
      return args.refreshToken;
    },
    changeDefaultActor: (args, ctx) => {
      const u = requireUser(ctx);
      const a = m.actorByName(args.preferredUsername, "PERSON");
      if (!a || !m.ownsActor(u, a.id)) throw E.str("Actor not found");
      u.default_actor_id = a.id;
      return V.userView(m, u);
    },
    createGroup: (args, ctx) => {
      const u = requireUser(ctx);
      if (m.settings.only_admins_can_create_groups && u.role !== "ADMINISTRATOR") throw E.str("Only admins can create groups");
      const name = String(args.preferredUsername).toLowerCase();
      if (!/^[a-z0-9_]+$/.test(name))
        throw E.validation("preferred_username", ["Username must only contain alphanumeric lowercased characters and underscores."]);
      if (m.actors.some((a) => a.preferred_username === name && !a.domain))
        throw E.str("A profile or group with that name already exists");
      const creator = m.currentActor(u);
      const g = { id: m.newId(), type: "GROUP", preferred_username: name, name: args.name || name,
        summary: args.summary || "", domain: null, visibility: args.visibility || "PUBLIC", openness: args.openness || "INVITE_ONLY" };
      m.actors.push(g);
      const now = m.tick();
      m.members.push({ id: crypto.randomUUID(), parent_id: g.id, actor_id: creator.id, role: "ADMINISTRATOR",
        invited_by_id: null, inserted_at: now, updated_at: now });
      return V.actorView(m, g);
    },
    inviteMember: (args, ctx) => {
      const u = requireUser(ctx);
      const g = m.actor(args.groupId);
      if (!g || g.type !== "GROUP") throw E.atom("group_not_found");
      const me = m.currentActor(u);
      if (!m.isMember(g.id, me.id)) throw E.str("You are not a member of this group");
      if (!m.isModerator(g.id, me.id)) throw E.str("You cannot invite to this group");
      const target = m.actorByName(args.targetActorUsername, "PERSON");
      if (!target) throw E.str("Profile invited doesn't exist");
      const existing = m.membership(g.id, target.id);
      if (existing && existing.role !== "REJECTED") throw E.str("Profile is already a member of this group");
      const now = m.tick();
      const row = existing || { id: crypto.randomUUID(), parent_id: g.id, actor_id: target.id, inserted_at: now };
      Object.assign(row, { role: "INVITED", invited_by_id: me.id, updated_at: now });
      if (!existing) m.members.push(row);
      return V.memberView(m, row);
    },
    acceptInvitation: (args, ctx) => {
      const u = requireUser(ctx);
      const row = m.members.find((x) => x.id === args.id);
      if (!row || row.role !== "INVITED" || !m.ownsActor(u, row.actor_id)) throw E.str("Invitation doesn't exist");
      Object.assign(row, { role: "MEMBER", updated_at: m.tick() });
      return V.memberView(m, row);
    },
    updateMember: (args, ctx) => {
      const u = requireUser(ctx);
      const row = m.members.find((x) => x.id === args.memberId);
      if (!row) throw E.str("This member does not exist");
      const me = m.currentActor(u);
      if (!m.isModerator(row.parent_id, me.id)) throw E.str("You don't have the role needed to update this member.");
      const admins = m.members.filter((x) => x.parent_id === row.parent_id && x.role === "ADMINISTRATOR");
      if (row.role === "ADMINISTRATOR" && args.role !== "ADMINISTRATOR" && admins.length === 1)
        throw E.str("You can't set yourself to a lower member role for this group because you are the only administrator");
      Object.assign(row, { role: args.role, updated_at: m.tick() });
      return V.memberView(m, row);
    },
    removeMember: (args, ctx) => {
      const u = requireUser(ctx);
      const row = m.members.find((x) => x.id === args.memberId);
      if (!row) throw E.str("This member does not exist");
      const me = m.currentActor(u);
      if (!m.isModerator(row.parent_id, me.id)) throw E.str("You don't have the role needed to remove this member.");
      if (row.role === "REJECTED") throw E.str("This member already has been rejected.");
      const before = V.memberView(m, Object.assign({}, row));
      if (args.exclude) Object.assign(row, { role: "REJECTED", updated_at: m.tick() });
      else m.members.splice(m.members.indexOf(row), 1);
      return before;
    },
  };
  return Object.assign(root, eventMutations(m, requireUser));
}

module.exports = { queryRoot, mutationRoot };
