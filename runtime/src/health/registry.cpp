// SPDX-License-Identifier: Apache-2.0
// Every built-in probe, by the name configuration uses, one line each; users add theirs with
// registerProbe().
#include "probes.h"

namespace scales::health {

namespace {
// Never destroyed: checkers may still look names up while statics are torn down.
Registry<Probe>& registry() {
  static auto* r = [] {
    auto* table = new Registry<Probe>("health probe");
    table->add("http", probes::http);
    table->add("mux", probes::mux);
    table->add("tcp", probes::tcp);
    return table;
  }();
  return *r;
}
}  // namespace

const Registry<Probe>& probeRegistry() { return registry(); }

void registerProbe(std::string name, Probe probe) {
  registry().add(std::move(name), std::move(probe));
}

Probe makeProbe(const std::string& name) { return probeRegistry().get(name); }

}  // namespace scales::health
