#include "core/engine/apply_pipeline.hpp"

#include "core/engine/fault_points.hpp"

#include <algorithm>

namespace coopsync::engine {

namespace {
// Batches of such a kind are sent one after the other, each settled before the next is
// prepared: a group's parent is linked by an earlier batch; and two entities may join the
// same pair over time (a member back in a room she left), so a later batch's removal by
// pair, or its op, depends on what the earlier one wrote for the other entity.
bool settles_before_next(EntityKind kind) {
  const auto refs = ref_fields(kind);
  const bool own = std::any_of(refs.begin(), refs.end(), [&](const RefField& r) { return r.target == kind; });
  return own || refs.size() >= 2;
}

// Answers after which the system gets no further batch in this pass (settle_batch marks it
// unavailable): an auth failure, or a batch that failed transiently as a whole.
bool stops_the_system(const std::vector<WriteResult>& results) {
  const bool auth = std::any_of(results.begin(), results.end(), [](const WriteResult& r) {
    return r.error && r.error->kind == ErrorKind::kAuth;
  });
  return auth || whole_batch_failed_transiently(results);
}
}  // namespace

const std::vector<WriteResult>& PassRun::Pipeline::Flight::wait() {
  if (!results) results = answer.get();
  return *results;
}

std::unique_ptr<PassRun::Pipeline::Flight> PassRun::Pipeline::launch(Prepared prepared, EntityKind kind) {
  auto flight = std::make_unique<Flight>();
  flight->prepared = std::move(prepared);
  flight->kind = kind;
  Connector* connector = sys_.connector;
  const std::vector<Write>* writes = &flight->prepared.writes;
  flight->answer = std::async(std::launch::async, [connector, writes] { return connector->apply(*writes); });
  return flight;
}

Status PassRun::Pipeline::land(Flight& flight, Flight* in_air) {
  const auto& results = flight.wait();
  crash_point("after_remote_write");
  Refused refused;
  if (auto st = run_.settle_batch(sys_, flight.prepared, results, true, refused); !st.ok()) return st;
  if (refused.empty()) return ok_status();
  if (in_air != nullptr) in_air->wait();  // the re-read talks to the system: nothing else may
  return run_.reread_after_conflicts(sys_, flight.kind, refused);
}

Status PassRun::Pipeline::send(std::vector<store::OutboxEntry> batch) {
  if (batch.empty()) return ok_status();
  const EntityKind kind = batch.front().write.kind;
  if (flying_ && (flying_->kind != kind || settles_before_next(kind))) {
    if (auto st = drain(); !st.ok()) return st;
  }
  if (sys_.unavailable) return ok_status();
  auto prepared = run_.prepare_batch(sys_, std::move(batch));
  if (!prepared.ok()) return std::move(prepared).error();
  if (prepared->writes.empty()) return ok_status();
  auto previous = std::move(flying_);
  if (previous && stops_the_system(previous->wait())) {
    // No further batch after these answers: settle them, and this one waits (unsent).
    return land(*previous, nullptr);
  }
  flying_ = launch(std::move(*prepared), kind);
  if (!previous) return ok_status();
  return land(*previous, flying_.get());
}

Status PassRun::Pipeline::drain() {
  if (!flying_) return ok_status();
  auto flight = std::move(flying_);
  return land(*flight, nullptr);
}

}  // namespace coopsync::engine
