// Budget edits of a definition: what counterfactuals and the optimizer change.
#include <numeric>

#include "cjsim/value.hpp"

namespace cjsim {

double channel_budget(const ChannelDef& channel) {
  return std::accumulate(channel.flights.begin(), channel.flights.end(), 0.0,
                         [](double sum, const FlightDef& f) { return sum + f.amount; });
}

void scale_channel(ScenarioDef& def, std::size_t channel, double factor) {
  ChannelDef& c = def.channels.at(channel);
  for (FlightDef& f : c.flights) f.amount *= factor;
  if (factor == 0.0 && c.cost == 0.0) {
    // A free channel exposes everyone it reaches whatever its budget: take away its effect
    // instead. It keeps its place (channel indices key random streams) but changes nothing.
    c.lifts.clear();
    c.salience = 0.0;
    c.quality = 0.0;
  }
}

void set_channel_budget(ScenarioDef& def, std::size_t channel, double amount) {
  ChannelDef& c = def.channels.at(channel);
  const double now = channel_budget(c);
  if (now > 0.0) {
    for (FlightDef& f : c.flights) f.amount *= amount / now;
    return;
  }
  c.flights = {FlightDef{0, def.simulation.days - 1, amount}};
}

}  // namespace cjsim
