// Touch paths and the channel-value table through the HDF5 file (io/hdf5_touch_paths.cpp and the
// writer's value table): what is read back is what was written.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "cjsim/hdf5_io.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/value.hpp"
#include "worlds.hpp"

using namespace cjsim;
using namespace cjsim::test;

namespace {

std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("cjsim_value_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

}  // namespace

TEST_CASE("touch paths and channel value round-trip through the HDF5 file", "[value][paths]") {
  const ScenarioDef def = journey_world(1000);
  ValueOptions vo;
  vo.replicates = 2;
  vo.run.threads = 2;
  vo.baseline_touch_paths = true;
  std::vector<RunResult> baselines(2);
  vo.baseline = [&](int r, RunResult&& run) {
    baselines[static_cast<std::size_t>(r)] = std::move(run);
  };
  const ChannelValue value = channel_value(def, vo);
  const std::string path = temp_file("roundtrip.h5");
  {
    ResultWriter w(path, FileMeta{});
    for (const RunResult& r : baselines) w.write_run("base", "", r, compute_kpis(r));
    w.write_channel_value("base", value);
    w.commit();
  }
  const ResultFile f = ResultFile::open(path);
  const std::optional<TouchPaths> t = f.touch_paths("base", 1);
  REQUIRE(t);
  CHECK(t->offsets == baselines[1].touch_paths.offsets);
  CHECK(t->event == baselines[1].touch_paths.event);
  CHECK(t->day == baselines[1].touch_paths.day);
  CHECK(t->value == baselines[1].touch_paths.value);
  const std::optional<ChannelValue> back = f.channel_value("base");
  REQUIRE(back);
  CHECK(back->channels == value.channels);
  CHECK(back->replicates == 2);
  REQUIRE(back->rows.size() == value.rows.size());
  const ChannelValueRow* roas = back->find("search", "roas");
  REQUIRE(roas);
  CHECK(roas->estimate.mean == value.find("search", "roas")->estimate.mean);
  std::filesystem::remove(path);
}
