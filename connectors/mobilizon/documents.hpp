#pragma once
// Every GraphQL document the Mobilizon connector can send, in one place, so that one test
// (tests/contract/mobilizon/documents_test.cpp) can validate them all against Mobilizon's
// real schema.graphql with graphql-js: a typo in a field name fails CI, not production.
#include <string>
#include <vector>

namespace coopsync::mobilizon::documents {

struct Document {
  const char* name;          // the operation name, also used in logs and request counts
  const std::string* text;   // the full document (fragments included)
};

const std::string& login();
const std::string& refresh_token();
const std::string& logged_user();
const std::string& change_default_actor();
const std::string& group();
const std::string& group_events();       // full events, paginated
const std::string& group_event_index();  // uuid + updatedAt only, paginated
const std::string& group_activity();
const std::string& event();
const std::string& event_participants();
const std::string& create_event();
const std::string& update_event();
const std::string& delete_event();
const std::string& update_participation();
const std::string& group_members();
const std::string& create_group();
const std::string& invite_member();
const std::string& update_member();
const std::string& remove_member();
const std::string& fetch_person();

// All of the above, for the validation test.
std::vector<Document> all();

}  // namespace coopsync::mobilizon::documents
