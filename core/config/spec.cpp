#include "core/config/spec.hpp"

#include <sstream>

namespace coopsync::config {

const char* to_string(FieldType type) {
  switch (type) {
    case FieldType::kString: return "string";
    case FieldType::kInt: return "integer";
    case FieldType::kBool: return "boolean";
    case FieldType::kDuration: return "duration";
    case FieldType::kSecret: return "secret";
    case FieldType::kEnum: return "enum";
    case FieldType::kStringList: return "list of strings";
    case FieldType::kObject: return "object";
    case FieldType::kObjectList: return "list of objects";
    case FieldType::kStringMap: return "map of strings";
    case FieldType::kObjectMap: return "map of objects";
  }
  return "unknown";
}

namespace field_spec {
namespace {
FieldSpec make(std::string name, FieldType type) {
  FieldSpec f;
  f.name = std::move(name);
  f.type = type;
  return f;
}
FieldSpec make_nested(std::string name, FieldType type, ObjectSpec spec) {
  FieldSpec f = make(std::move(name), type);
  f.object = std::make_shared<const ObjectSpec>(std::move(spec));
  return f;
}
}  // namespace
FieldSpec string(std::string name) { return make(std::move(name), FieldType::kString); }
FieldSpec integer(std::string name) { return make(std::move(name), FieldType::kInt); }
FieldSpec boolean(std::string name) { return make(std::move(name), FieldType::kBool); }
FieldSpec duration(std::string name) { return make(std::move(name), FieldType::kDuration); }
FieldSpec secret(std::string name) { return make(std::move(name), FieldType::kSecret); }
FieldSpec one_of(std::string name, std::vector<std::string> values) {
  FieldSpec f = make(std::move(name), FieldType::kEnum);
  f.enum_values = std::move(values);
  return f;
}
FieldSpec string_list(std::string name) { return make(std::move(name), FieldType::kStringList); }
FieldSpec string_map(std::string name) { return make(std::move(name), FieldType::kStringMap); }
FieldSpec object(std::string name, ObjectSpec spec) {
  return make_nested(std::move(name), FieldType::kObject, std::move(spec));
}
FieldSpec object_list(std::string name, ObjectSpec spec) {
  return make_nested(std::move(name), FieldType::kObjectList, std::move(spec));
}
FieldSpec object_map(std::string name, ObjectSpec spec) {
  return make_nested(std::move(name), FieldType::kObjectMap, std::move(spec));
}
}  // namespace field_spec

ObjectSpec& ObjectSpec::add(FieldSpec field) {
  for (auto& existing : fields_) {
    if (existing.name == field.name) {  // a later declaration refines an earlier one
      existing = std::move(field);
      return *this;
    }
  }
  fields_.push_back(std::move(field));
  return *this;
}

ObjectSpec& ObjectSpec::merge(const ObjectSpec& other) {
  for (const auto& f : other.fields()) add(f);
  if (other.allows_unknown_keys()) allow_unknown_ = true;
  return *this;
}

const FieldSpec* ObjectSpec::find(const std::string& name) const {
  for (const auto& f : fields_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string ObjectSpec::describe(int indent) const {
  std::ostringstream out;
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  for (const auto& f : fields_) {
    out << pad << f.name << ": " << to_string(f.type);
    if (f.type == FieldType::kEnum) {
      out << " (";
      for (std::size_t i = 0; i < f.enum_values.size(); ++i) {
        out << (i ? " | " : "") << f.enum_values[i];
      }
      out << ")";
    }
    if (f.required) out << ", required";
    if (f.default_value) out << ", default " << f.default_value->dump();
    if (f.min || f.max) {
      out << ", range [" << (f.min ? std::to_string(*f.min) : "") << ".."
          << (f.max ? std::to_string(*f.max) : "") << "]";
    }
    if (!f.description.empty()) out << "  # " << f.description;
    out << "\n";
    if (f.object) out << f.object->describe(indent + 2);
  }
  return out.str();
}

std::string ConfigIssue::to_string() const {
  std::ostringstream out;
  out << file;
  if (line > 0) out << ":" << line << ":" << column;
  out << ": ";
  if (!path.empty()) out << path << ": ";
  out << message;
  return out.str();
}

std::string format_issues(const std::vector<ConfigIssue>& issues) {
  std::string out;
  for (const auto& issue : issues) out += issue.to_string() + "\n";
  return out;
}

}  // namespace coopsync::config
