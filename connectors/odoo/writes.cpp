// OdooConnector::apply: writes grouped so that Odoo sees few, large calls (the server
// closes the connection after every answer, and one batch create of 1,000 records costs
// what ~10 single creates do): adoption lookups batched per kind, creates as one list of
// dicts per batch, updates grouped by identical values, archive/unlink as id lists.
#include "connectors/odoo/odoo_connector.hpp"
#include "connectors/odoo/domain.hpp"

#include <algorithm>
#include <map>

namespace coopsync::odoo {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// An OR of `leaves` in Odoo's prefix notation.
Array any_of(std::vector<Value> leaves) {
  Array out;
  for (std::size_t i = 1; i < leaves.size(); ++i) out.emplace_back("|");
  for (auto& l : leaves) out.push_back(std::move(l));
  return out;
}

constexpr EntityKind kOrder[] = {EntityKind::kGroup, EntityKind::kPerson, EntityKind::kEvent,
                                 EntityKind::kMembership, EntityKind::kRegistration};
constexpr WriteOp kOps[] = {WriteOp::kCreate, WriteOp::kUpdate, WriteOp::kEnable, WriteOp::kDisable,
                            WriteOp::kDelete};

}  // namespace

std::vector<WriteResult> OdooConnector::apply(const std::vector<Write>& writes) {
  std::vector<WriteResult> results(writes.size());
  for (EntityKind kind : kOrder) {
    for (WriteOp op : kOps) {
      std::vector<const Write*> batch;
      std::vector<WriteResult*> out;
      for (std::size_t i = 0; i < writes.size(); ++i) {
        if (writes[i].kind == kind && writes[i].op == op && !to_meetings(writes[i])) {
          batch.push_back(&writes[i]);
          out.push_back(&results[i]);
          results[i].external_id = writes[i].external_id;
        }
      }
      if (batch.empty()) continue;
      if (kind == EntityKind::kMembership) {
        memberships(batch, out);
      } else if (op == WriteOp::kCreate) {
        create_records(kind, batch, out);
      } else if (op == WriteOp::kUpdate) {
        update_records(kind, batch, out);
      } else {
        lifecycle(kind, op, batch, out);
      }
    }
  }
  if (meetings_.enabled) apply_meetings(writes, results);  // calendar.event (meetings_sync.cpp)
  return results;
}

Result<Struct> OdooConnector::values_for(EntityKind kind, const Write& w, bool create) {
  const std::vector<std::string> changed = create ? std::vector<std::string>{} : w.changed;
  switch (kind) {
    case EntityKind::kPerson: {
      auto fm = session_.fields("res.partner");
      if (!fm) return std::move(fm).error();
      Struct vals = person_to_odoo(w.fields, changed, **fm);
      const std::string& number = s_.member_number_field;
      if (!number.empty() && (*fm)->count(number) && w.fields.contains(field::kMemberNumber) &&
          (create || std::find(changed.begin(), changed.end(), field::kMemberNumber) != changed.end())) {
        const std::string text = field_text(w.fields, field::kMemberNumber);
        vals.push_back({number, text.empty() ? Value(false) : Value(text)});
      }
      if (create) {
        if (std::none_of(vals.begin(), vals.end(), [](const Member& m) { return m.name == "name"; })) {
          return make_error(ErrorKind::kPermanent, "odoo: a person needs a name to be created");
        }
        auto tag = member_tag(true);  // created partners join the scope
        if (!tag) return std::move(tag).error();
        if (*tag) vals.push_back({"category_id", Value(Array{Value(Array{Value(4), Value(**tag)})})});
      }
      return vals;
    }
    case EntityKind::kGroup: {
      MapContext ctx;
      ctx.group_prefix = s_.group_prefix;
      return group_to_odoo(w.fields, changed, ctx);
    }
    case EntityKind::kEvent: {
      auto fm = session_.fields("event.event");
      if (!fm) return std::move(fm).error();
      Struct vals = event_to_odoo(w.fields, changed, **fm);
      if ((*fm)->count("tag_ids") && w.fields.contains(field::kGroup) &&
          (create || std::find(changed.begin(), changed.end(), field::kGroup) != changed.end())) {
        auto tags = event_tag_commands(w, create);
        if (!tags) return std::move(tags).error();
        if (tags->as_array() && !tags->as_array()->empty()) vals.push_back({"tag_ids", std::move(*tags)});
      }
      return vals;
    }
    case EntityKind::kRegistration: return registration_to_odoo(w.fields, changed);
    default: return Struct{};
  }
}

Result<std::map<std::size_t, OdooConnector::Adopted>> OdooConnector::adopt(
    EntityKind kind, const std::vector<const Write*>& writes) {
  if (kind == EntityKind::kPerson) return adopt_persons(writes);
  // One search for the whole batch, then matching here: the same keys the engine's
  // identity rules use (normalised email; name; title + start; person + event).
  std::vector<Value> leaves;
  std::vector<std::string> fields;
  for (const auto* w : writes) {
    switch (kind) {
      case EntityKind::kGroup:
        if (!field_text(w->fields, field::kName).empty()) leaves.push_back(leaf("name", "=", Value(field_text(w->fields, field::kName))));
        break;
      case EntityKind::kEvent:
        if (!field_text(w->fields, field::kTitle).empty()) leaves.push_back(leaf("name", "=", Value(field_text(w->fields, field::kTitle))));
        break;
      case EntityKind::kRegistration:
        if (auto p = parse_id(field_text(w->fields, field::kPerson))) leaves.push_back(leaf("partner_id", "=", Value(*p)));
        break;
      default: break;
    }
  }
  std::map<std::size_t, Adopted> found;
  if (leaves.empty()) return found;
  Array domain = any_of(std::move(leaves));
  fields = kind == EntityKind::kEvent ? std::vector<std::string>{"name", "date_begin"}
           : kind == EntityKind::kRegistration ? std::vector<std::string>{"partner_id", "event_id"}
                                               : std::vector<std::string>{"name"};
  auto rows = session_.search_read(model_of(kind), domain, fields, {0, 0, "id asc", false});
  if (!rows) return std::move(rows).error();
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const Fields& f = writes[i]->fields;
    std::vector<std::int64_t> hits;
    for (const auto& row : *rows) {
      auto str = [&](const char* n) { return row.find(n) && row.find(n)->as_string() ? *row.find(n)->as_string() : std::string(); };
      auto m2o = [&](const char* n) { return row.find(n) ? many2one_id(*row.find(n)) : std::nullopt; };
      bool match = false;
      switch (kind) {
        case EntityKind::kGroup: match = str("name") == field_text(f, field::kName); break;
        case EntityKind::kEvent:
          match = str("name") == field_text(f, field::kTitle) && iso_to_odoo(field_text(f, field::kStart)).value_or("") == str("date_begin");
          break;
        case EntityKind::kRegistration:
          match = m2o("partner_id") == parse_id(field_text(f, field::kPerson)) && m2o("event_id") == parse_id(field_text(f, field::kEvent));
          break;
        default: break;
      }
      if (match) hits.push_back(*row.find("id")->as_int());
    }
    if (hits.empty()) continue;
    Adopted a;
    a.id = hits.size() == 1 ? hits.front() : -static_cast<std::int64_t>(hits.size());  // ambiguous
    switch (kind) {  // what found it, recorded in the link (`coopsync links show`)
      case EntityKind::kGroup: a.key = field::kName, a.value = field_text(f, field::kName); break;
      case EntityKind::kEvent:
        a.key = "title+start", a.value = field_text(f, field::kTitle) + " " + field_text(f, field::kStart);
        break;
      case EntityKind::kRegistration:
        a.key = "person+event", a.value = field_text(f, field::kPerson) + "+" + field_text(f, field::kEvent);
        break;
      default: break;
    }
    found[i] = std::move(a);
  }
  return found;
}

Result<std::map<std::size_t, OdooConnector::Adopted>> OdooConnector::adopt_persons(
    const std::vector<const Write*>& writes) {
  // One search_read for the batch: is_company = False and any of the keys, e.g.
  // ["&", is_company, "|", email_normalized in [...], ref in [...]] in prefix form.
  const std::string& number_field = s_.member_number_field;
  auto key_value = [&](const Write& w, const std::string& key) {
    return key == field::kEmail ? lower(field_text(w.fields, field::kEmail))
                                : field_text(w.fields, field::kMemberNumber);
  };
  auto partner_fields = session_.fields("res.partner");
  if (!partner_fields) return std::move(partner_fields).error();
  const bool normalized = (*partner_fields)->count("email_normalized") > 0;
  std::vector<Value> leaves;
  for (const auto& key : s_.person_match) {
    Array values;
    for (const auto* w : writes) {
      const std::string v = key_value(*w, key);
      if (v.empty()) continue;
      if (key == field::kEmail && !normalized) {
        leaves.push_back(leaf("email", "=ilike", Value(v)));
      } else {
        values.emplace_back(v);
      }
    }
    if (values.empty()) continue;
    // email_normalized: Odoo's own lower-cased, stored copy, one indexed `in`.
    leaves.push_back(leaf(key == field::kEmail ? "email_normalized" : number_field.c_str(), "in", Value(std::move(values))));
  }
  std::map<std::size_t, Adopted> found;
  if (leaves.empty()) return found;
  Array domain = any_of(std::move(leaves));
  domain.insert(domain.begin(), leaf("is_company", "=", Value(false)));
  std::vector<std::string> fields{"email"};
  if (!number_field.empty()) fields.push_back(number_field);
  auto rows = session_.search_read("res.partner", domain, fields, {0, 0, "id asc", false});
  if (!rows) return std::move(rows).error();
  for (std::size_t i = 0; i < writes.size(); ++i) {
    for (const auto& key : s_.person_match) {  // in priority order: the first that finds decides
      const std::string v = key_value(*writes[i], key);
      if (v.empty()) continue;
      std::vector<std::int64_t> hits;
      for (const auto& row : *rows) {
        const std::string* text = row_text(row, key == field::kEmail ? "email" : number_field.c_str());
        if (text == nullptr) continue;
        if (key == field::kEmail ? lower(*text) == v : *text == v) hits.push_back(*row.find("id")->as_int());
      }
      if (hits.empty()) continue;
      found[i] = {hits.size() == 1 ? hits.front() : -static_cast<std::int64_t>(hits.size()), key, v};
      break;
    }
  }
  return found;
}

void OdooConnector::create_records(EntityKind kind, const std::vector<const Write*>& writes,
                                   std::vector<WriteResult*>& results) {
  const std::string& model = model_of(kind);
  auto adopted = adopt(kind, writes);
  if (!adopted) {
    for (auto* r : results) r->error = adopted.error();
    return;
  }
  std::vector<std::int64_t> adopted_partners;
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    auto it = adopted->find(i);
    if (it == adopted->end()) {
      todo.push_back(i);
    } else if (it->second.id < 0) {
      results[i]->error = make_error(ErrorKind::kPermanent, "odoo " + model + ": " + std::to_string(-it->second.id) +
                                                                " records match by " + it->second.key +
                                                                "; not adopting any (resolve the duplicate)");
    } else {
      results[i]->external_id = std::to_string(it->second.id);
      results[i]->adopted = true;
      // What adopt() matched on, recorded in the link (`coopsync links show`).
      results[i]->matched_key = it->second.key;
      results[i]->matched_value = it->second.value;
      if (kind == EntityKind::kPerson) adopted_partners.push_back(it->second.id);
    }
  }
  if (!adopted_partners.empty()) {
    // An adopted partner joins the scope (tag) and comes back from the archive.
    auto tag = member_tag(true);
    Struct vals{{"active", Value(true)}};
    if (tag && *tag) vals.push_back({"category_id", Value(Array{Value(Array{Value(4), Value(**tag)})})});
    Status st = tag ? session_.write(model, adopted_partners, vals) : Status(tag.error());
    if (!st) {
      for (std::size_t i = 0; i < writes.size(); ++i) {
        if (results[i]->adopted) results[i]->error = st.error();
      }
    }
  }
  const std::size_t batch = static_cast<std::size_t>(std::max(1, s_.batch_size));
  for (std::size_t start = 0; start < todo.size(); start += batch) {
    std::vector<std::size_t> chunk(todo.begin() + static_cast<long>(start),
                                   todo.begin() + static_cast<long>(std::min(todo.size(), start + batch)));
    std::vector<Struct> vals;
    std::vector<std::size_t> sent;
    for (auto i : chunk) {
      auto v = values_for(kind, *writes[i], true);
      if (!v) {
        results[i]->error = v.error();
        continue;
      }
      vals.push_back(std::move(*v));
      sent.push_back(i);
    }
    auto ids = session_.create(model, vals);
    if (ids) {
      for (std::size_t k = 0; k < sent.size(); ++k) results[sent[k]]->external_id = std::to_string((*ids)[k]);
      continue;
    }
    if (ids.error().kind != ErrorKind::kPermanent || sent.size() == 1) {
      for (auto i : sent) results[i]->error = ids.error();
      continue;
    }
    // One bad record fails the whole batch: retry one by one to isolate it.
    for (std::size_t k = 0; k < sent.size(); ++k) {
      auto one = session_.create(model, {vals[k]});
      if (one) {
        results[sent[k]]->external_id = std::to_string(one->front());
      } else {
        results[sent[k]]->error = one.error();
      }
    }
  }
}

void OdooConnector::update_records(EntityKind kind, const std::vector<const Write*>& writes,
                                   std::vector<WriteResult*>& results) {
  // Writes with identical values become one write(ids, values) call.
  std::map<std::string, std::pair<Struct, std::vector<std::size_t>>> groups;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    auto id = parse_id(writes[i]->external_id);
    if (!id) {
      results[i]->error = make_error(ErrorKind::kInvalidInput, "odoo: bad record id '" + writes[i]->external_id + "'");
      continue;
    }
    auto vals = values_for(kind, *writes[i], false);
    if (!vals) {
      results[i]->error = vals.error();
      continue;
    }
    if (vals->empty()) continue;  // nothing this system holds changed
    const std::string key = to_json(Value(*vals)).dump();
    auto& g = groups[key];
    g.first = std::move(*vals);
    g.second.push_back(i);
  }
  for (auto& [key, group] : groups) {
    std::vector<std::int64_t> ids;
    for (auto i : group.second) ids.push_back(*parse_id(writes[i]->external_id));
    Status st = session_.write(model_of(kind), ids, group.first);
    if (!st) {
      for (auto i : group.second) results[i]->error = st.error();
    }
  }
}

void OdooConnector::lifecycle(EntityKind kind, WriteOp op, const std::vector<const Write*>& writes,
                              std::vector<WriteResult*>& results) {
  std::vector<std::int64_t> ids;
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    if (auto id = parse_id(writes[i]->external_id)) {
      ids.push_back(*id);
      idx.push_back(i);
    } else {
      results[i]->error = make_error(ErrorKind::kInvalidInput, "odoo: bad record id '" + writes[i]->external_id + "'");
    }
  }
  if (ids.empty()) return;
  const std::string& model = model_of(kind);
  auto run = [&](const std::vector<std::int64_t>& which) -> Status {
    if (kind == EntityKind::kRegistration && op != WriteOp::kDelete) {
      return session_.write(model, which, {{"state", Value(op == WriteOp::kEnable ? "open" : "cancel")}});
    }
    if (op == WriteOp::kEnable) return session_.call(model, "action_unarchive", which);
    if (op == WriteOp::kDelete && s_.unlink_on_delete) return session_.call(model, "unlink", which);
    // action_archive returns None: over XML-RPC a "cannot marshal None" fault that the
    // transport recognises as success (the archive is committed).
    return session_.call(model, "action_archive", which);
  };
  Status st = run(ids);
  if (st) return;
  if (ids.size() > 1 && st.error().kind == ErrorKind::kNotFound) {
    // Some are gone already: settle them one by one.
    for (std::size_t k = 0; k < ids.size(); ++k) {
      Status one = run({ids[k]});
      if (!one && !(one.error().kind == ErrorKind::kNotFound && op != WriteOp::kEnable)) results[idx[k]]->error = one.error();
    }
    return;
  }
  if (st.error().kind == ErrorKind::kNotFound && op != WriteOp::kEnable) return;  // already gone
  for (auto i : idx) results[i]->error = st.error();
}

void OdooConnector::memberships(const std::vector<const Write*>& writes, std::vector<WriteResult*>& results) {
  // category_id commands: [4, tag] links, [3, tag] unlinks; one write per tag and command.
  std::map<std::pair<int, std::int64_t>, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const Write& w = *writes[i];
    std::string person = field_text(w.fields, field::kPerson);
    std::string group = field_text(w.fields, field::kGroup);
    if ((person.empty() || group.empty()) && w.external_id.find(':') != std::string::npos) {
      person = w.external_id.substr(0, w.external_id.find(':'));
      group = w.external_id.substr(w.external_id.find(':') + 1);
    }
    auto p = parse_id(person);
    auto g = parse_id(group);
    if (!p || !g) {
      results[i]->error = make_error(ErrorKind::kInvalidInput, "odoo membership: person and group ids needed");
      continue;
    }
    results[i]->external_id = person + ":" + group;
    if (w.op == WriteOp::kUpdate) continue;  // only the role could change: Odoo has none
    const int command = (w.op == WriteOp::kCreate || w.op == WriteOp::kEnable) ? 4 : 3;
    groups[{command, *g}].push_back(i);
  }
  for (const auto& [key, idx] : groups) {
    std::vector<std::int64_t> partners;
    for (auto i : idx) partners.push_back(*parse_id(results[i]->external_id.substr(0, results[i]->external_id.find(':'))));
    Status st = session_.write("res.partner", partners,
                               {{"category_id", Value(Array{Value(Array{Value(key.first), Value(key.second)})})}});
    if (!st) {
      for (auto i : idx) results[i]->error = st.error();
    }
  }
}

}  // namespace coopsync::odoo
