#include "connectors/nextcloud/naming.hpp"

#include <doctest/doctest.h>

using namespace coopsync;
using namespace coopsync::nextcloud;

TEST_CASE("user id rules") {
  CHECK(user_id_for("email_localpart", Fields{{"email", "Ana.Lopez+coop@x.org"}}) == "ana.lopez-coop");
  CHECK(user_id_for("email_localpart", Fields{{"email", "nope"}}).empty());
  CHECK(user_id_for("slug_of_name", Fields{{"display_name", "Ana L\xc3\xb3pez-Mart\xc3\xadn"}}) == "ana.lopez.martin");
  CHECK(user_id_for("slug_of_name", Fields{{"given_name", "\xc3\x89lodie"}, {"family_name", "Dupr\xc3\xa9"}}) ==
        "elodie.dupre");
}

TEST_CASE("group ids, templates and calendar names") {
  CHECK(group_id_for(Fields{{"name", "P\xc3\xb4le Nord & Est"}}) == "pole-nord-est");
  CHECK(group_id_for(Fields{{"name", "x"}, {"slug", "lyon"}}) == "lyon");
  CHECK(apply_template("Groups/{name} ({id})", "lyon", "Lyon") == "Groups/Lyon (lyon)");
  CHECK(group_of_calendar("group-{id}", "group-lyon") == std::optional<std::string>("lyon"));
  CHECK_FALSE(group_of_calendar("group-{id}", "personal").has_value());
  CHECK_FALSE(group_of_calendar("group-{id}", "group-").has_value());
  CHECK(group_of_calendar("{id}", "personal") == std::optional<std::string>("personal"));
  CHECK(object_name_for("7f1c/uid@x") == "7f1c_uid_x.ics");
}

TEST_CASE("versions follow the fields") {
  CHECK(fields_version(Fields{{"a", 1}}) == fields_version(Fields{{"a", 1}}));
  CHECK(fields_version(Fields{{"a", 1}}) != fields_version(Fields{{"a", 2}}));
}
