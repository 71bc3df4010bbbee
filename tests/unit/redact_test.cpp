// Secret redaction: what is registered never survives redact(), in any common encoding.
#include "core/util/redact.hpp"

#include <doctest/doctest.h>

using namespace coopsync::util;

TEST_CASE("registered secrets are replaced everywhere in a text") {
  register_secret("s3cr3t-token-A");
  CHECK(redact("Authorization: Bearer s3cr3t-token-A") == "Authorization: Bearer ***");
  CHECK(redact("s3cr3t-token-As3cr3t-token-A") == "******");
  CHECK(redact("nothing here") == "nothing here");
  CHECK(contains_secret("x s3cr3t-token-A x"));
  CHECK_FALSE(contains_secret("s3cr3t-token"));
}

TEST_CASE("short values are not registered; duplicates count once") {
  const auto before = registered_secret_count();
  register_secret("abc");
  register_secret("");
  CHECK(registered_secret_count() == before);
  CHECK(redact("abc") == "abc");
  register_secret("dup-secret-B");
  const auto after = registered_secret_count();
  register_secret("dup-secret-B");
  CHECK(registered_secret_count() == after);
}

TEST_CASE("a secret containing another is hidden whole") {
  register_secret("inner-C");
  register_secret("outer-inner-C-outer");
  CHECK(redact("[outer-inner-C-outer] [inner-C]") == "[***] [***]");
}

TEST_CASE("JSON-escaped and percent-encoded forms are redacted too") {
  register_secret("p@ss\"word/D");
  CHECK(redact(R"({"password":"p@ss\"word/D"})") == R"({"password":"***"})");
  CHECK(redact("password=p%40ss%22word%2FD&user=x") == "password=***&user=x");
}

TEST_CASE("clear_secrets_for_test forgets everything") {
  register_secret("to-be-cleared-E");
  clear_secrets_for_test();
  CHECK(registered_secret_count() == 0);
  CHECK(redact("to-be-cleared-E") == "to-be-cleared-E");
}
