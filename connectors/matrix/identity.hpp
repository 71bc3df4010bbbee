#pragma once
// Names as Matrix accepts them: room alias slugs and user localparts (lower-case ASCII
// from a small alphabet), and the configured rule that gives a person's Matrix id.
#include "connectors/matrix/settings.hpp"
#include "core/model/entity.hpp"
#include "core/result.hpp"

#include <string>
#include <string_view>

namespace coopsync::matrix {

// "Pôle Énergie & Climat" -> "pole-energie-climat": Latin letters lose their accents,
// anything else outside [a-z0-9] becomes one '-'; bounded to 64 characters.
std::string slugify(std::string_view text);

// A Matrix localpart ([a-z0-9._=-/+]): lower-cased, accents dropped, others -> '_'.
std::string localpart_of(std::string_view text);

// The person's Matrix id by the `person_id` rule; kPermanent naming the missing field
// when the rule needs one the record lacks (e.g. no email for {email_local}).
Result<std::string> person_user_id(const Settings& settings, const Fields& person);

// The alias of a collective's room: room_alias with {prefix}, {slug}, {server}.
std::string room_alias_for(const Settings& settings, const std::string& slug);
// The slug back from an alias made by room_alias_for; empty when it does not fit.
std::string slug_from_alias(const Settings& settings, const std::string& alias);
// "#coop_x:server" -> "coop_x" (what createRoom's room_alias_name wants).
std::string alias_localpart(const std::string& alias);

}  // namespace coopsync::matrix
