#pragma once
// Named crash points for crash-safety tests. When the environment variable
// COOPSYNC_CRASH_AT names a point ("after_pull", "after_outbox_write",
// "after_remote_write", "after_link_commit"), optionally with ":N" (the Nth time it is
// reached, default 1), the process dies there with SIGKILL, the way a power cut or the
// OOM killer would: no destructor, no flush. Production never sets it.
namespace coopsync::engine {

void crash_point(const char* name);

}  // namespace coopsync::engine
