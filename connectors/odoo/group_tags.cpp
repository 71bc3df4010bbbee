// Events (event.tag) and meetings (calendar.event.type) name their organising group by a
// tag named like it: read as tag id -> group id, written as x2many commands.
#include "connectors/odoo/domain.hpp"
#include "connectors/odoo/odoo_connector.hpp"

namespace coopsync::odoo {

Result<const std::map<std::int64_t, std::int64_t>*> OdooConnector::tag_groups(GroupTags& tags) {
  if (tags.group_of_tag) return &*tags.group_of_tag;
  std::map<std::int64_t, std::int64_t> out;
  auto have = session_.existing_fields(tags.owner_model, {tags.tag_field});
  if (!have) return std::move(have).error();
  if (have->empty()) return &tags.group_of_tag.emplace(std::move(out));  // no such tags here
  auto groups = session_.search_read(s_.group_model, group_scope(), {"name"}, {0, 0, "id asc", false});
  if (!groups) return std::move(groups).error();
  std::map<std::string, std::int64_t> group_of;
  Array names;
  for (const auto& g : *groups) {
    const std::string* name = row_text(g, "name");
    if (name == nullptr) continue;
    group_of.emplace(*name, *g.find("id")->as_int());
    names.emplace_back(*name);
  }
  if (!names.empty()) {
    auto found = session_.search_read(tags.tag_model, {leaf("name", "in", Value(std::move(names)))},
                                      {"name"}, {0, 0, "id asc", false});
    if (!found) return std::move(found).error();
    for (const auto& t : *found) {
      const std::string* name = row_text(t, "name");
      auto it = group_of.find(name != nullptr ? *name : std::string());
      if (it != group_of.end()) out.emplace(*t.find("id")->as_int(), it->second);
    }
  }
  return &tags.group_of_tag.emplace(std::move(out));
}

// An Odoo whose tag model needs more than a name (a category) refuses the create: the tag
// is then made there by hand.
Result<Value> OdooConnector::tag_commands(GroupTags& tags, const Write& w, bool create) {
  auto groups = tag_groups(tags);
  if (!groups) return std::move(groups).error();
  const auto target = parse_id(field_text(w.fields, field::kGroup));
  std::optional<std::int64_t> target_tag;
  Array commands;
  for (const auto& [tag, group] : **groups) {
    if (target && group == *target) {
      if (!target_tag) target_tag = tag;
    } else if (!create) {
      commands.emplace_back(Array{Value(3), Value(tag)});
    }
  }
  if (target && !target_tag) {
    auto rows = session_.search_read(s_.group_model, {leaf("id", "=", Value(*target))}, {"name"},
                                     {0, 1, "", false});
    if (!rows) return std::move(rows).error();
    const std::string* name = rows->empty() ? nullptr : row_text(rows->front(), "name");
    if (name == nullptr) {
      return make_error(ErrorKind::kNotFound, "odoo: group " + std::to_string(*target) +
                                                  " not found for " + tags.noun);
    }
    auto made = session_.create(tags.tag_model, {Struct{{"name", *name}}});
    if (!made) return std::move(made).error();
    target_tag = made->front();
    tags.group_of_tag.reset();
  }
  if (target_tag) commands.emplace_back(Array{Value(4), Value(*target_tag)});
  return Value(std::move(commands));
}

}  // namespace coopsync::odoo
