// createEvent / updateEvent / deleteEvent / joinEvent / leaveEvent / updateParticipation,
// with Mobilizon 5.1.3's quirks: updateEvent RESETS visibility, joinOptions, tags, options,
// language and contacts when they are omitted (PITFALLS.md 9), a group event's organizer
// becomes the caller's current actor, participation changes bump updatedAt, deletions are
// hard, capacity counts PARTICIPANT rows only, remote events are not writable.
"use strict";
const crypto = require("crypto");
const E = require("./errors");
const V = require("./views");
const { processContent, normaliseTags } = require("./content");

const OPTION_KEYS = {
  maximumAttendeeCapacity: "maximum_attendee_capacity",
  remainingAttendeeCapacity: "remaining_attendee_capacity",
  showRemainingAttendeeCapacity: "show_remaining_attendee_capacity",
  anonymousParticipation: "anonymous_participation",
  showStartTime: "show_start_time",
  showEndTime: "show_end_time",
  timezone: "timezone",
  hideOrganizerWhenGroupEvent: "hide_organizer_when_group_event",
  isOnline: "is_online",
};

function optionsRow(input) {
  const out = {};
  for (const [k, v] of Object.entries(input || {})) if (OPTION_KEYS[k] && v !== undefined) out[OPTION_KEYS[k]] = v;
  return out;
}

module.exports = function eventMutations(m, requireUser) {
  function validate(title, beginsOn, endsOn) {
    if (title !== undefined) {
      const t = String(title).trim();
      if (t.length < 3) throw E.validation("title", ["should be at least 3 character(s)"]);
      if (t.length > 200) throw E.validation("title", ["should be at most 200 character(s)"]);
    }
    if (beginsOn && endsOn && endsOn < beginsOn) throw E.validation("ends_on", ["ends_on cannot be set before begins_on"]);
  }

  // An AddressInput with a known id (or originId) reuses that row, otherwise a new row.
  function storeAddress(input, timezone) {
    if (!input) return null;
    let row = (input.id && m.address(input.id)) || (input.originId && m.addresses.find((a) => a.origin_id === input.originId));
    if (!row) {
      row = { id: m.newId() };
      m.addresses.push(row);
    }
    const map = { geom: "geom", street: "street", locality: "locality", postalCode: "postal_code", region: "region",
      country: "country", description: "description", type: "type", url: "url", originId: "origin_id", timezone: "timezone" };
    for (const [k, col] of Object.entries(map)) if (input[k] !== undefined) row[col] = input[k];
    if (!row.timezone && timezone) row.timezone = timezone;
    return row.id;
  }

  function activity(e, subject, author) {
    if (!e.attributed_to_id) return;
    m.activities.push({ id: crypto.randomUUID(), seq: m.activities.length + 1, group_id: e.attributed_to_id,
      type: "EVENT", subject, event_uuid: e.uuid, event_title: e.title, event_id: e.id,
      author_id: author.id, inserted_at: m.tick() });
  }

  function participationChanged(e) {
    // The event row's stats are rewritten, so updatedAt moves, without any activity.
    e.updated_at = m.tick();
  }

  return {
    createEvent(args, ctx) {
      const u = requireUser(ctx);
      if (!m.allow(`query:${ctx.ip}`, m.settings.create_event_per_minute)) throw E.str("Too many requests");
      if (!m.ownsActor(u, args.organizerActorId)) throw E.str("Organizer profile is not owned by the user");
      let group = null;
      if (args.attributedToId !== undefined && args.attributedToId !== null) {
        group = m.actor(args.attributedToId);
        if (!group || group.type !== "GROUP" || !m.isModerator(group.id, args.organizerActorId))
          throw E.str("Organizer profile doesn't have permission to create an event on behalf of this group");
      } else if (m.settings.only_groups_can_create_events) {
        throw E.str("Only groups can create events");
      }
      validate(args.title, args.beginsOn, args.endsOn);
      const now = m.tick();
      const options = optionsRow(args.options);
      const content = processContent(args.description, args.tags, m.settings.instance_url);
      const e = {
        id: m.newId(), uuid: crypto.randomUUID(), local: true, title: String(args.title).trim(),
        description: content.description, tags: content.tags,
        begins_on: args.beginsOn, ends_on: args.endsOn ?? null,
        status: args.status || "CONFIRMED", visibility: args.visibility || "PUBLIC",
        join_options: args.joinOptions || "FREE", draft: !!args.draft, category: args.category || "MEETING",
        language: args.language || "und", online_address: args.onlineAddress ?? null,
        phone_address: args.phoneAddress ?? null, external_participation_url: args.externalParticipationUrl ?? null,
        publish_at: args.draft ? null : (args.publishAt || now), inserted_at: now, updated_at: now,
        options, organizer_actor_id: String(args.organizerActorId),
        attributed_to_id: group ? String(group.id) : null,
        contacts: (args.contacts || []).map((c) => c && c.id).filter(Boolean),
      };
      e.physical_address_id = storeAddress(args.physicalAddress, options.timezone);
      if (!options.timezone) {
        const addr = e.physical_address_id && m.address(e.physical_address_id);
        options.timezone = (addr && addr.timezone) || (u.settings && u.settings.timezone) || null;
      }
      m.events.push(e);
      if (!e.draft) {
        m.participants.push({ id: crypto.randomUUID(), event_id: e.id, actor_id: e.organizer_actor_id,
          role: "CREATOR", inserted_at: now, message: null });
        m.touchParticipants();
      }
      activity(e, "event_created", m.actor(e.organizer_actor_id));
      return V.eventView(m, e);
    },

    updateEvent(args, ctx) {
      const u = requireUser(ctx);
      const e = m.event(args.eventId);
      if (!e) throw E.str("Event not found");
      const me = m.currentActor(u);
      if (e.local === false) throw E.str("This profile doesn't have permission to update an event on behalf of this group");
      if (e.attributed_to_id) {
        if (!m.isModerator(e.attributed_to_id, me.id))
          throw E.str("This profile doesn't have permission to update an event on behalf of this group");
      } else if (!m.ownsActor(u, e.organizer_actor_id)) {
        throw E.str("You can't edit this event.");
      }
      if (args.organizerActorId !== undefined && args.organizerActorId !== null && !m.ownsActor(u, args.organizerActorId))
        throw E.str("Organizer profile is not owned by the user");
      let group = e.attributed_to_id ? m.actor(e.attributed_to_id) : null;
      if ("attributedToId" in args && args.attributedToId !== null) {
        group = m.actor(args.attributedToId);
        if (!group || group.type !== "GROUP" || !m.isModerator(group.id, me.id))
          throw E.str("This profile doesn't have permission to update an event on behalf of this group");
      }
      const has = (k) => Object.prototype.hasOwnProperty.call(args, k);
      const beginsOn = has("beginsOn") && args.beginsOn !== null ? args.beginsOn : e.begins_on;
      const endsOn = has("endsOn") ? args.endsOn : e.ends_on;
      validate(has("title") && args.title !== null ? args.title : undefined, beginsOn, endsOn);

      // Kept when omitted.
      if (has("title") && args.title !== null) e.title = String(args.title).trim();
      e.begins_on = beginsOn;
      e.ends_on = endsOn ?? null;
      if (has("status") && args.status !== null) e.status = args.status;
      if (has("draft") && args.draft !== null) e.draft = args.draft;
      if (has("category") && args.category !== null) e.category = args.category;
      if (has("onlineAddress")) e.online_address = args.onlineAddress;
      if (has("phoneAddress")) e.phone_address = args.phoneAddress;
      if (has("externalParticipationUrl")) e.external_participation_url = args.externalParticipationUrl;
      // Replaced wholesale, reset to defaults when omitted (PITFALLS.md 9).
      e.visibility = args.visibility || "PUBLIC";
      e.join_options = args.joinOptions || "FREE";
      e.options = optionsRow(args.options);
      e.language = args.language || "und";
      e.contacts = (args.contacts || []).map((c) => c && c.id).filter(Boolean);
      if (has("description") && args.description !== null) {
        const content = processContent(args.description, args.tags, m.settings.instance_url);
        e.description = content.description;
        e.tags = content.tags;
      } else {
        e.tags = normaliseTags(args.tags || []);
      }
      if (has("physicalAddress")) e.physical_address_id = storeAddress(args.physicalAddress, e.options.timezone);
      if (!e.options.timezone) {
        const addr = e.physical_address_id && m.address(e.physical_address_id);
        e.options.timezone = (addr && addr.timezone) || null;
      }
      if (group) {
        e.attributed_to_id = String(group.id);
        e.organizer_actor_id = String(me.id); // group events: organizer := current actor
      } else if (args.organizerActorId) {
        e.organizer_actor_id = String(args.organizerActorId);
      }
      if (!e.draft && !e.publish_at) e.publish_at = m.tick();
      e.updated_at = m.tick();
      activity(e, "event_updated", me);
      return V.eventView(m, e);
    },

    deleteEvent(args, ctx) {
      const u = requireUser(ctx);
      const e = m.event(args.eventId);
      if (!e) throw E.str("Event not found");
      const me = m.currentActor(u);
      // 5.1.3: only the organizer (or an instance moderator/admin) may delete (PITFALLS.md 33).
      const allowed = String(e.organizer_actor_id) === String(me.id) || ["MODERATOR", "ADMINISTRATOR"].includes(u.role);
      if (!allowed || e.local === false) throw E.str("You cannot delete this event");
      m.events.splice(m.events.indexOf(e), 1);
      m.participants = m.participants.filter((p) => p.event_id !== e.id);
      activity(e, "event_deleted", me);
      return { id: e.id };
    },

    joinEvent(args, ctx) {
      const u = requireUser(ctx);
      if (!m.ownsActor(u, args.actorId)) throw E.str("Profile is not owned by authenticated user");
      const e = m.event(args.eventId);
      if (!e || !m.canSee(u, e)) throw E.str(`Event with this ID "${args.eventId}" doesn't exist`);
      if (m.participantsOf(e).some((p) => String(p.actor_id) === String(args.actorId)))
        throw E.str("You are already a participant of this event");
      const max = (e.options || {}).maximum_attendee_capacity;
      if (max && m.countRole(e, "PARTICIPANT") >= max) throw E.str("The event has already reached its maximum capacity");
      const p = { id: crypto.randomUUID(), event_id: e.id, actor_id: String(args.actorId),
        role: e.join_options === "FREE" ? "PARTICIPANT" : "NOT_APPROVED", inserted_at: m.tick(),
        message: args.message ?? null, locale: args.locale ?? null };
      m.participants.push(p);
      m.touchParticipants();
      participationChanged(e);
      return V.participantView(m, p);
    },

    leaveEvent(args, ctx) {
      const u = requireUser(ctx);
      if (!m.ownsActor(u, args.actorId)) throw E.str("Profile is not owned by authenticated user");
      const e = m.event(args.eventId);
      if (!e) throw E.str("Event not found");
      const p = m.participantsOf(e).find((x) => String(x.actor_id) === String(args.actorId));
      if (!p) throw E.str("Participant not found");
      if (p.role === "CREATOR" && m.countRole(e, "CREATOR") === 1)
        throw E.str("You can't leave event because you're the only event creator participant");
      m.participants.splice(m.participants.indexOf(p), 1);
      m.touchParticipants();
      participationChanged(e);
      return { id: p.id, event: { id: e.id }, actor: { id: String(p.actor_id) } };
    },

    updateParticipation(args, ctx) {
      const u = requireUser(ctx);
      const p = m.participants.find((x) => x.id === args.id);
      if (!p) throw E.str("Participant not found");
      const e = m.event(p.event_id);
      if (!m.canModerate(u, e)) throw E.str("Provided profile doesn't have moderator permissions on this event");
      if (p.role === args.role) throw E.str(`Participant already has role ${args.role.toLowerCase()}`);
      p.role = args.role;
      participationChanged(e);
      return V.participantView(m, p);
    },
  };
};
