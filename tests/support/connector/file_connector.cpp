#include "tests/support/connector/file_connector.hpp"

#include "core/connector/registry.hpp"

#include <fstream>
#include <sstream>

namespace coopsync::testing {

nlohmann::json FileSystem::load() const {
  std::ifstream in(path_);
  if (!in) return {{"seq", 0}, {"next_id", 1}, {"writes", 0}, {"records", nlohmann::json::object()}};
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

void FileSystem::save(const nlohmann::json& state) const {
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << state.dump(1);
  }
  std::rename(tmp.c_str(), path_.c_str());  // atomic: a crash never leaves half a file
}

std::string FileSystem::add(EntityKind kind, const nlohmann::json& fields) {
  auto s = load();
  const std::string id = "r" + std::to_string(s["next_id"].get<int>());
  s["next_id"] = s["next_id"].get<int>() + 1;
  s["seq"] = s["seq"].get<int>() + 1;
  s["records"][to_string(kind)][id] = {{"fields", fields}, {"seq", s["seq"]}, {"deleted", false}};
  save(s);
  return id;
}

void FileSystem::edit(EntityKind kind, const std::string& id, const nlohmann::json& changes) {
  auto s = load();
  auto& r = s["records"][to_string(kind)][id];
  r["fields"].update(changes);
  s["seq"] = s["seq"].get<int>() + 1;
  r["seq"] = s["seq"];
  save(s);
}

void FileSystem::remove(EntityKind kind, const std::string& id) {
  auto s = load();
  auto& r = s["records"][to_string(kind)][id];
  r["deleted"] = true;
  s["seq"] = s["seq"].get<int>() + 1;
  r["seq"] = s["seq"];
  save(s);
}

nlohmann::json FileSystem::live(EntityKind kind) const {
  auto s = load();
  nlohmann::json out = nlohmann::json::object();
  for (auto& [id, r] : s["records"][to_string(kind)].items()) {
    if (!r["deleted"].get<bool>()) out[id] = r["fields"];
  }
  return out;
}

int FileSystem::writes() const { return load()["writes"].get<int>(); }

namespace {

class FileConnector final : public Connector {
 public:
  FileConnector(const ConnectorContext& ctx) : fs_(ctx.settings["path"].get<std::string>()) {
    const auto& kinds = ctx.settings["kinds_supported"];
    for (const auto& k : kinds) {
      auto kind = parse_entity_kind(k.get<std::string>());
      KindCapabilities cap;
      cap.read = cap.create = cap.update = cap.disable = cap.remove = true;
      for (auto f : canonical_fields(*kind)) cap.fields.push_back(f);
      if (*kind == EntityKind::kPerson) cap.match_keys = {field::kEmail};
      if (*kind != EntityKind::kPerson) cap.disable = false;
      caps_.kinds[*kind] = cap;
    }
    fail_writes_ = ctx.settings.value("fail_writes", 0);
    // Like Nextcloud's users: no change feed, every read lists the kind whole.
    for (const auto& k : ctx.settings.value("listed_kinds", nlohmann::json::array())) {
      caps_.listed_kinds.insert(*parse_entity_kind(k.get<std::string>()));
    }
    // Like Nextcloud (person) or Matrix (group): a create carries its memberships, which
    // then hold nothing but their two sides.
    const std::string fold = ctx.settings.value("fold_memberships", "");
    if (!fold.empty() && caps_.kinds.count(EntityKind::kMembership)) {
      caps_.fold_memberships_into = *parse_entity_kind(fold);
      caps_.kinds[EntityKind::kMembership].fields = {field::kPerson, field::kGroup};
    }
  }

  const Capabilities& capabilities() const override { return caps_; }

  Status check() override {
    if (fs_.load().value("down", false)) return make_error(ErrorKind::kTransient, "testfile: down");
    return ok_status();
  }

  Result<ChangePage> changes(EntityKind kind, const std::string& given, std::chrono::milliseconds) override {
    auto s = fs_.load();
    if (s.value("down", false)) return make_error(ErrorKind::kTransient, "testfile: down");
    if (s.value("fail_reads", 0) > 0) {  // this many reads fail, each try counted
      s["fail_reads"] = s["fail_reads"].get<int>() - 1;
      fs_.save(s);
      return make_error(ErrorKind::kTransient, "testfile: injected read failure");
    }
    const bool listed = caps_.listed_kinds.count(kind) > 0;
    const std::string cursor = listed ? std::string() : given;
    const int since = cursor.empty() ? 0 : std::stoi(cursor);
    ChangePage page;
    page.full_listing = cursor.empty();
    int high = since;
    for (auto& [id, r] : s["records"][to_string(kind)].items()) {
      const int seq = r["seq"].get<int>();
      high = std::max(high, seq);
      if (seq <= since) continue;
      if (cursor.empty() && r["deleted"].get<bool>()) continue;
      if (r.value("unlisted", false)) continue;  // where the system's reads do not look
      ExternalRecord rec;
      rec.kind = kind;
      rec.external_id = id;
      rec.version = std::to_string(seq);
      rec.fields = r["fields"];
      rec.deleted = r["deleted"].get<bool>();
      page.records.push_back(std::move(rec));
    }
    page.cursor = listed ? std::string() : std::to_string(std::max(high, s["seq"].get<int>()));
    return page;
  }

  Result<std::vector<ExternalRecord>> find(EntityKind kind, const Fields& keys) override {
    std::vector<ExternalRecord> out;
    auto s = fs_.load();
    for (auto& [id, r] : s["records"][to_string(kind)].items()) {
      if (r["deleted"].get<bool>()) continue;
      bool match = !keys.empty();
      for (auto& [k, v] : keys.items()) match = match && r["fields"].value(k, nlohmann::json()) == v;
      if (match) out.push_back({kind, id, std::to_string(r["seq"].get<int>()), r["fields"], false, ""});
    }
    return out;
  }

  std::vector<WriteResult> apply(const std::vector<Write>& writes) override {
    std::vector<WriteResult> results;
    for (const auto& w : writes) {
      auto s = fs_.load();  // re-read: each write is durable on its own, like a real server
      if (s.value("down", false)) {
        results.push_back({make_error(ErrorKind::kTransient, "testfile: down"), "", "", false});
        continue;
      }
      if (fail_writes_ > 0 || s.value("fail_writes", 0) > 0) {
        if (fail_writes_ > 0) --fail_writes_;
        if (s.value("fail_writes", 0) > 0) {
          s["fail_writes"] = s["fail_writes"].get<int>() - 1;
          fs_.save(s);
        }
        results.push_back({make_error(ErrorKind::kTransient, "testfile: injected failure"), "", "", false});
        continue;
      }
      auto& recs = s["records"][to_string(w.kind)];
      WriteResult r;
      s["seq"] = s["seq"].get<int>() + 1;
      if (w.op == WriteOp::kCreate) {
        // Adopt-before-create: our own marker (a create whose link commit was lost), then
        // the match keys.
        for (auto& [id, rec] : recs.items()) {
          if (rec["deleted"].get<bool>()) continue;
          bool same = rec.value("entity", "") == w.entity_id;
          if (same) {
            r.matched_key = "marker";
            r.matched_value = w.entity_id;
          } else if (w.kind == EntityKind::kMembership) {
            // One record per pair, as Nextcloud groups, Matrix rooms and Odoo tags hold them.
            same = rec["fields"].value(field::kPerson, nlohmann::json()) == w.fields.value(field::kPerson, nlohmann::json()) &&
                   rec["fields"].value(field::kGroup, nlohmann::json()) == w.fields.value(field::kGroup, nlohmann::json());
            if (same) r.matched_key = "pair";
          } else if (w.kind == EntityKind::kPerson && !s.value("no_email_lookup", false) &&
                     w.fields.contains(field::kEmail) &&
                     !w.fields[field::kEmail].is_null()) {
            same = rec["fields"].value(field::kEmail, nlohmann::json()) == w.fields[field::kEmail];
            if (same) {
              r.matched_key = field::kEmail;
              r.matched_value = w.fields[field::kEmail].get<std::string>();
            }
          }
          if (same) {
            r.external_id = id;
            r.adopted = true;
            break;
          }
        }
        if (!r.adopted) {
          r.external_id = "r" + std::to_string(s["next_id"].get<int>());
          s["next_id"] = s["next_id"].get<int>() + 1;
          recs[r.external_id] = {{"fields", w.fields}, {"seq", s["seq"]}, {"deleted", false}, {"entity", w.entity_id}};
          s["writes"] = s["writes"].get<int>() + 1;
          const bool by_person = w.kind == EntityKind::kPerson;
          for (const auto& m : w.memberships) {  // in the same write, as one request would
            const std::string id = "r" + std::to_string(s["next_id"].get<int>());
            s["next_id"] = s["next_id"].get<int>() + 1;
            const nlohmann::json fields = {{field::kPerson, by_person ? r.external_id : m.other},
                                           {field::kGroup, by_person ? m.other : r.external_id}};
            s["records"][to_string(EntityKind::kMembership)][id] =
                {{"fields", fields}, {"seq", s["seq"]}, {"deleted", false}, {"entity", m.entity_id},
                 {"unlisted", s.value("unlisted_memberships", false)}};
            WriteResult joined;
            joined.external_id = id;
            joined.version = std::to_string(s["seq"].get<int>());
            r.memberships.push_back(std::move(joined));
          }
        }
      } else {
        std::string target = w.external_id;
        if (target.empty() && w.kind == EntityKind::kMembership &&
            (w.op == WriteOp::kDelete || w.op == WriteOp::kDisable)) {
          // A removal by pair (never linked): whatever record joins these two, or none.
          target = "-";
          for (auto& [id, rec] : recs.items()) {
            if (!rec["deleted"].get<bool>() &&
                rec["fields"].value(field::kPerson, nlohmann::json()) == w.fields.value(field::kPerson, nlohmann::json()) &&
                rec["fields"].value(field::kGroup, nlohmann::json()) == w.fields.value(field::kGroup, nlohmann::json())) {
              target = id;
            }
          }
          if (target == "-") {
            results.push_back({std::nullopt, "", "", false});
            continue;
          }
        }
        if (!recs.contains(target) || recs[target]["deleted"].get<bool>()) {
          results.push_back({make_error(ErrorKind::kNotFound, "testfile: no " + target), "", "", false});
          continue;
        }
        auto& rec = recs[target];
        if (w.op == WriteOp::kUpdate || w.op == WriteOp::kEnable) {
          for (const auto& f : w.changed) rec["fields"][f] = w.fields.value(f, nlohmann::json());
          if (w.op == WriteOp::kEnable) rec["fields"][field::kActive] = true;
        } else if (w.op == WriteOp::kDisable) {
          rec["fields"][field::kActive] = false;
        } else {
          rec["deleted"] = true;
        }
        rec["seq"] = s["seq"];
        r.external_id = target;
        s["writes"] = s["writes"].get<int>() + 1;
      }
      r.version = std::to_string(s["seq"].get<int>());
      if (s.value("lose_answers", 0) > 0) {  // carried out; the answer never comes back
        s["lose_answers"] = s["lose_answers"].get<int>() - 1;
        fs_.save(s);
        results.push_back({make_error(ErrorKind::kTransient, "testfile: answer lost"), "", "", false});
        continue;
      }
      fs_.save(s);
      results.push_back(r);
    }
    return results;
  }

 private:
  FileSystem fs_;
  Capabilities caps_;
  int fail_writes_ = 0;
};

ConnectorInfo file_connector_info() {
  ConnectorInfo info;
  info.type = "testfile";
  info.summary = "a system kept in a JSON file (tests only)";
  info.spec.add(config::field_spec::string("path").require().describe("the JSON file"));
  info.spec.add(config::field_spec::string_list("kinds_supported").fallback(nlohmann::json::array({"person"})));
  info.spec.add(config::field_spec::integer("fail_writes").fallback(0));
  info.spec.add(config::field_spec::string("fold_memberships").fallback(""));
  info.spec.add(config::field_spec::string_list("listed_kinds").fallback(nlohmann::json::array()));
  for (EntityKind k : kAllKinds) {
    KindCapabilities cap;
    cap.read = cap.create = cap.update = cap.remove = true;
    info.capabilities.kinds[k] = cap;
  }
  info.make = [](const ConnectorContext& ctx) -> Result<ConnectorPtr> {
    return ConnectorPtr(std::make_unique<FileConnector>(ctx));
  };
  return info;
}

}  // namespace

COOPSYNC_REGISTER_CONNECTOR(file_connector_info);

}  // namespace coopsync::testing
