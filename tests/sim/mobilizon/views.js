// GraphQL views of the simulator's rows. graphql-js's default resolver reads a property or
// calls a method (args, ctx), so each view is a plain object with __typename (for interface
// resolution), eager scalars and lazy methods for nested or argument-taking fields.
"use strict";
const E = require("./errors");
const { PARTICIPANT_ROLE_ORDER, isoSeconds } = require("./model");

function page(list, args, defaultLimit = 10) {
  const p = Math.max(1, args.page || 1);
  const limit = Math.max(0, args.limit === undefined || args.limit === null ? defaultLimit : args.limit);
  return { total: list.length, elements: list.slice((p - 1) * limit, p * limit) };
}

function parseRoles(roles) {
  if (!roles) return null;
  return String(roles).split(",").map((r) => r.trim().toUpperCase()).filter(Boolean);
}

function actorUrl(m, a) {
  return a.url || (a.domain ? `https://${a.domain}/@${a.preferred_username}` : `${m.settings.instance_url}/@${a.preferred_username}`);
}

function actorView(m, a) {
  if (!a) return null;
  const base = {
    __typename: a.type === "GROUP" ? "Group" : "Person",
    id: String(a.id), url: actorUrl(m, a), type: a.type, name: a.name || null,
    domain: a.domain || null, local: !a.domain, summary: a.summary || "",
    preferredUsername: a.preferred_username, suspended: !!a.suspended, avatar: null,
  };
  return a.type === "GROUP" ? Object.assign(base, groupExtras(m, a)) : Object.assign(base, personExtras(m, a));
}

function personExtras(m, a) {
  return {
    memberships(args, ctx) {
      let rows = m.members.filter((x) => String(x.actor_id) === String(a.id));
      if (args.groupId) rows = rows.filter((x) => String(x.parent_id) === String(args.groupId));
      if (args.group) {
        const g = m.actorByName(args.group, "GROUP");
        rows = rows.filter((x) => g && String(x.parent_id) === String(g.id));
      }
      const pg = page(rows, args);
      return { total: pg.total, elements: pg.elements.map((r) => memberView(m, r)) };
    },
  };
}

function groupExtras(m, g) {
  return {
    visibility: g.visibility || "PUBLIC",
    openness: g.openness || "INVITE_ONLY",
    organizedEvents(args, ctx) {
      const actor = ctx.user ? m.currentActor(ctx.user) : null;
      const member = actor && m.isMember(g.id, actor.id);
      const moderator = actor && m.isModerator(g.id, actor.id);
      let rows = m.events.filter((e) => String(e.attributed_to_id) === String(g.id));
      // Members see every visibility and drafts (API.md 4.8; drafts need moderator to open).
      if (!member) rows = rows.filter((e) => e.visibility === "PUBLIC" && !e.draft);
      else if (!moderator) rows = rows.filter((e) => !e.draft);
      if (args.afterDatetime) rows = rows.filter((e) => (e.ends_on || e.begins_on) >= args.afterDatetime);
      if (args.beforeDatetime) rows = rows.filter((e) => e.begins_on <= args.beforeDatetime);
      // beginsOn ASC with no tie-breaker: equal starts come out in storage order.
      rows = rows.slice().sort((x, y) => (x.begins_on < y.begins_on ? -1 : x.begins_on > y.begins_on ? 1 : 0));
      const pg = page(rows, args);
      return { total: pg.total, elements: pg.elements.map((e) => eventView(m, e)) };
    },
    members(args, ctx) {
      const actor = ctx.user ? m.currentActor(ctx.user) : null;
      const roles = parseRoles(args.roles);
      let rows = m.members.filter((x) => String(x.parent_id) === String(g.id));
      if (roles) rows = rows.filter((x) => roles.includes(x.role));
      if (args.name) {
        const n = args.name.toLowerCase();
        rows = rows.filter((x) => {
          const a = m.actor(x.actor_id);
          return a && ((a.name || "").toLowerCase().includes(n) || a.preferred_username.includes(n));
        });
      }
      rows = rows.slice().sort((x, y) => (x.updated_at < y.updated_at ? 1 : x.updated_at > y.updated_at ? -1 : 0));
      const pg = page(rows, args);
      // Not a member: the total is told, the elements are not.
      const visible = actor && m.isMember(g.id, actor.id);
      return { total: pg.total, elements: visible ? pg.elements.map((r) => memberView(m, r)) : [] };
    },
    activity(args, ctx) {
      const actor = ctx.user ? m.currentActor(ctx.user) : null;
      const membership = actor ? m.membership(g.id, actor.id) : null;
      if (!membership || !m.isMember(g.id, actor.id)) return { total: 0, elements: [] };
      // Only activities inserted after the caller joined (API.md 7).
      const joined = String(membership.inserted_at || "").replace(/Z?$/, "Z");
      let rows = m.activities.filter((x) => String(x.group_id) === String(g.id) && x.inserted_at >= joined);
      if (args.type) rows = rows.filter((x) => (x.type || "EVENT") === args.type);
      rows = rows.slice().sort((x, y) => (x.inserted_at < y.inserted_at ? 1 : x.inserted_at > y.inserted_at ? -1 : y.seq - x.seq));
      const pg = page(rows, args);
      return { total: pg.total, elements: pg.elements.map((r) => activityView(m, r)) };
    },
  };
}

function memberView(m, r) {
  return {
    __typename: "Member", id: r.id, role: r.role,
    insertedAt: naive(r.inserted_at), updatedAt: naive(r.updated_at),
    parent: () => actorView(m, m.actor(r.parent_id)),
    actor: () => actorView(m, m.actor(r.actor_id)),
    invitedBy: () => actorView(m, m.actor(r.invited_by_id)),
  };
}

function naive(s) { return s ? String(s).replace(/Z$/, "") : null; }

function activityView(m, r) {
  const e = r.event_id ? m.event(r.event_id) : null;
  return {
    id: r.id, insertedAt: r.inserted_at, type: r.type || "EVENT", subject: r.subject,
    subjectParams: [{ key: "event_title", value: r.event_title }, { key: "event_uuid", value: r.event_uuid }],
    object: () => (r.subject !== "event_deleted" && e ? eventView(m, e) : null),
    author: () => actorView(m, m.actor(r.author_id)),
    group: () => actorView(m, m.actor(r.group_id)),
  };
}

function statsOf(m, e, full) {
  const c = (role) => m.countRole(e, role);
  if (!full) return { going: null, notApproved: 0, notConfirmed: 0, rejected: 0, participant: c("PARTICIPANT"), moderator: 0, administrator: 0, creator: 0 };
  return {
    going: c("PARTICIPANT") + c("MODERATOR") + c("ADMINISTRATOR") + c("CREATOR"),
    notApproved: c("NOT_APPROVED"), notConfirmed: c("NOT_CONFIRMED"), rejected: c("REJECTED"),
    participant: c("PARTICIPANT"), moderator: c("MODERATOR"), administrator: c("ADMINISTRATOR"), creator: c("CREATOR"),
  };
}

function addressView(m, id) {
  const a = id ? m.address(id) : null;
  if (!a) return null;
  return {
    id: String(a.id), geom: a.geom || null, street: a.street || null, locality: a.locality || null,
    postalCode: a.postal_code || null, region: a.region || null, country: a.country || null,
    description: a.description || null, type: a.type || null, url: a.url || null,
    originId: a.origin_id || null, timezone: a.timezone || null,
  };
}

function eventView(m, e) {
  const o = e.options || {};
  return {
    __typename: "Event", id: e.id, uuid: e.uuid,
    url: e.url || `${m.settings.instance_url}/events/${e.uuid}`,
    local: e.local !== false, title: e.title, slug: e.slug || null, description: e.description,
    beginsOn: e.begins_on, endsOn: e.ends_on || null, status: e.status, visibility: e.visibility,
    joinOptions: e.join_options, externalParticipationUrl: e.external_participation_url || null,
    publishAt: e.publish_at || null, onlineAddress: e.online_address || null,
    phoneAddress: e.phone_address || null, category: e.category || "MEETING", draft: !!e.draft,
    language: e.language || "und", insertedAt: e.inserted_at, updatedAt: e.updated_at,
    tags: (e.tags || []).map((t, i) => ({ id: String(i + 1), slug: t.slug, title: t.title })),
    options: {
      maximumAttendeeCapacity: o.maximum_attendee_capacity ?? null,
      remainingAttendeeCapacity: o.remaining_attendee_capacity ?? null,
      showRemainingAttendeeCapacity: o.show_remaining_attendee_capacity ?? null,
      anonymousParticipation: o.anonymous_participation ?? null,
      showStartTime: o.show_start_time ?? null, showEndTime: o.show_end_time ?? null,
      timezone: o.timezone ?? null, hideOrganizerWhenGroupEvent: o.hide_organizer_when_group_event ?? null,
      isOnline: o.is_online ?? null,
    },
    physicalAddress: () => addressView(m, e.physical_address_id),
    attributedTo: () => actorView(m, m.actor(e.attributed_to_id)),
    // Organizers of group events are hidden from non-members (API.md 4.7).
    organizerActor: (args, ctx) => {
      if (e.attributed_to_id) {
        const actor = ctx.user ? m.currentActor(ctx.user) : null;
        if (!actor || !m.isMember(e.attributed_to_id, actor.id)) return null;
      }
      return actorView(m, m.actor(e.organizer_actor_id));
    },
    contacts: () => (e.contacts || []).map((id) => actorView(m, m.actor(id))).filter(Boolean),
    participantStats: (args, ctx) => {
      // Complete only for the user owning the CREATOR participant (PITFALLS.md 17).
      const creator = m.participantsOf(e).find((p) => p.role === "CREATOR");
      const full = !!ctx.user && !!creator && m.ownsActor(ctx.user, creator.actor_id);
      return statsOf(m, e, full);
    },
    participants: (args, ctx) => {
      if (!m.canModerate(ctx.user, e)) throw E.str("Provided profile doesn't have moderator permissions on this event");
      const roles = parseRoles(args.roles);
      let rows = m.participantsOf(e);
      if (roles) rows = rows.filter((p) => roles.includes(p.role));
      rows = rows.slice().sort((x, y) => PARTICIPANT_ROLE_ORDER.indexOf(x.role) - PARTICIPANT_ROLE_ORDER.indexOf(y.role));
      const pg = page(rows, args);
      return { total: pg.total, elements: pg.elements.map((p) => participantView(m, p)) };
    },
  };
}

function participantView(m, p) {
  return {
    id: p.id, role: p.role, insertedAt: p.inserted_at,
    metadata: { message: p.message ?? null, locale: p.locale ?? null, cancellationToken: null },
    event: () => { const e = m.event(p.event_id); return e ? eventView(m, e) : null; },
    actor: () => actorView(m, m.actor(p.actor_id)),
  };
}

function userView(m, u) {
  return {
    id: String(u.id), email: u.email, role: u.role || "USER", locale: u.locale || "en", disabled: !!u.disabled,
    defaultActor: () => actorView(m, m.currentActor(u)),
    actors: () => m.userActors(u).map((a) => actorView(m, a)),
    memberships(args) {
      const ids = new Set(m.userActors(u).map((a) => String(a.id)));
      const pg = page(m.members.filter((x) => ids.has(String(x.actor_id))), args);
      return { total: pg.total, elements: pg.elements.map((r) => memberView(m, r)) };
    },
  };
}

module.exports = { actorView, eventView, memberView, participantView, userView, page, isoSeconds };
