#pragma once
// Operator repairs, each in one transaction and audited.
#include "core/store/store.hpp"

#include <cstdint>
#include <string>

namespace coopsync::engine {

// Settles a conflict by keeping one candidate entity: the others are ignored from now on
// (their links stay, so their records are never imported again) and the kept one is
// released for writing.
Status resolve_keep(store::Store& store, std::int64_t conflict_id, const std::string& keep);

// Settles a conflict by merging entity `from` into `into`: `from`'s links move to `into`
// where `into` has no record in that system yet (elsewhere they stay on `from`, which is
// then ignored); empty fields of `into` are filled from `from`.
Status resolve_merge(store::Store& store, std::int64_t conflict_id, const std::string& into,
                     const std::string& from);

// Undoes a wrong link: the entity's record in `system` gets an entity of its own (and is
// re-read as such by the next pass). Returns the new entity id.
Result<std::string> split_link(store::Store& store, const std::string& entity, const std::string& system);

}  // namespace coopsync::engine
