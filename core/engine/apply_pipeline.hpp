#pragma once
// A system's batches of writes, sent one at a time, the next one on its way while the
// answers to the last one are settled.
//
// A batch costs the system's time (its HTTP round trips) and then ours (settling the
// answers in the store: links, outbox states, audit, one durable commit). Done one after
// the other, a first sync of thousands of writes takes the sum of both; with the next batch
// sent from another thread while this one settles the last, it takes about the larger.
// The system still sees one batch at a time, in the same order.
//
// Batches overlap only within a kind whose writes refer to no entity of their own kind and
// do not join two entities: the next batch is prepared (its refs translated to the system's
// ids, its op brought up to date with the links) before the last one is settled, so it must
// not need a link that settling creates (a group's parent), nor act on a pair an earlier
// batch wrote for another entity (memberships, registrations: a member back in a room). Kinds are
// applied in order (persons, groups, then what joins them), and a change of kind waits for
// the batch in flight to settle first.
//
// The connector's apply() runs on the other thread while this one uses the store; the
// store serialises its calls (a connector's StateStore or linked_version waits for the
// settling transaction), and nothing else calls the connector meanwhile: a conflict re-read
// waits for the batch in flight first.
#include "core/engine/pass_run.hpp"

#include <future>
#include <memory>

namespace coopsync::engine {

class PassRun::Pipeline {
 public:
  Pipeline(PassRun& run, SystemRuntime& system) : run_(run), sys_(system) {}
  // A batch still in flight is waited for (its answers are then lost to this pass: the next
  // pass finds those records and adopts them, as after a crash).
  ~Pipeline() = default;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Prepares `batch` and sends it once the batch in flight has its answers, then settles
  // those answers while this one is on its way.
  Status send(std::vector<store::OutboxEntry> batch);
  // Waits for the batch in flight and settles it.
  Status drain();

 private:
  struct Flight {
    Prepared prepared;
    EntityKind kind = EntityKind::kPerson;
    std::future<std::vector<WriteResult>> answer;
    std::optional<std::vector<WriteResult>> results;
    const std::vector<WriteResult>& wait();
  };
  std::unique_ptr<Flight> launch(Prepared prepared, EntityKind kind);
  Status land(Flight& flight, Flight* in_air);

  PassRun& run_;
  SystemRuntime& sys_;
  // Held by pointer: the other thread reads its writes, which must not move.
  std::unique_ptr<Flight> flying_;
};

}  // namespace coopsync::engine
