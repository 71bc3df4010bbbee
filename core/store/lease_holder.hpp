#pragma once
// Names of lease holders that let a crashed holder's lease be taken over at once.
//
// A pass takes the store's "pass" lease for an hour. A process killed mid-pass (SIGKILL,
// OOM, power cut of a container) cannot release it, and the next pass would wait for the
// expiry. A holder named by local_holder() says which process on which host holds it, so
// try_lease can tell that the holder is gone (same host, no such process) and take over.
// Other holder names (replicas on other hosts, tests) only ever expire.
#include <string>

namespace coopsync::store {

// "<role>@<host>#<pid>" for this process, e.g. "cli@coop-vm#4242".
std::string local_holder(const std::string& role);

// True when `holder` names a process of this host (local_holder's format) that no longer
// runs. False for any other name, another host, or a process that still runs.
bool holder_is_gone(const std::string& holder);

}  // namespace coopsync::store
