// SPDX-License-Identifier: Apache-2.0
// Every probe, by the name configuration uses. One line per probe.
#include "probes.h"

namespace scales::health {

const Registry<Probe>& probeRegistry() {
  static const Registry<Probe> registry = [] {
    Registry<Probe> r("health probe");
    r.add("http", probes::http);
    r.add("mux", probes::mux);
    r.add("tcp", probes::tcp);
    return r;
  }();
  return registry;
}

Probe makeProbe(const std::string& name) { return probeRegistry().get(name); }

}  // namespace scales::health
