// The per-customer table written as whole chunks compressed on every core (hdf5_chunks.hpp,
// CustomerTableWriter::append_chunks) against HDF5's own filter pipeline: the same rows read
// back, whichever way each chunk was written, and the filters HDF5 would have applied.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <vector>

#include "io/hdf5_customer_table.hpp"
#include "io/hdf5_objects.hpp"

using namespace cjsim;

namespace {

CustomerTable random_table(std::size_t n, std::uint32_t seed) {
  std::mt19937 g(seed);
  CustomerTable t;
  for (std::size_t i = 0; i < n; ++i) {
    t.segment.push_back(static_cast<std::uint8_t>(g() % 3));
    t.final_stage.push_back(static_cast<std::uint8_t>(g() % 8));
    t.source.push_back(static_cast<std::uint8_t>(g() % 10));
    t.first_purchase_day.push_back(g() % 3 == 0 ? -1 : static_cast<std::int32_t>(g() % 365));
    t.churn_day.push_back(g() % 5 == 0 ? static_cast<std::int32_t>(g() % 365) : -1);
    t.purchases.push_back(g() % 4);
    t.revenue.push_back(static_cast<float>(g() % 100000) / 7.0f);
    t.back_steps.push_back(static_cast<std::uint16_t>(g() % 6));
    t.referrals.push_back(static_cast<std::uint16_t>(g() % 70000));  // saturating u16 values
    t.stages_reached.push_back(static_cast<std::uint32_t>(g()));
  }
  return t;
}

CustomerTable read_back(const std::string& path) {
  h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  h5::Dataset rows(H5Dopen2(file.get(), "customers", H5P_DEFAULT));
  h5::Dataspace space(H5Dget_space(rows.get()));
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space.get(), &n, nullptr);
  CustomerTable t;
  h5layout::read_customer_rows(rows.get(), 0, n, t);
  return t;
}

bool same(const CustomerTable& a, const CustomerTable& b) {
  return a.segment == b.segment && a.final_stage == b.final_stage && a.source == b.source &&
         a.first_purchase_day == b.first_purchase_day && a.churn_day == b.churn_day &&
         a.purchases == b.purchases && a.revenue == b.revenue && a.back_steps == b.back_steps &&
         a.referrals == b.referrals && a.stages_reached == b.stages_reached;
}

}  // namespace

TEST_CASE("customer table chunks: parallel and HDF5's pipeline write the same rows", "[hdf5]") {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("cjsim-chunks-" + std::to_string(::getpid()) + ".h5"))
                               .string();
  const CustomerTable table = random_table(200'000, 5);  // three 64k chunks and a partial one
  // Appends of several shapes: all in one (every chunk compressed by us), and pieces whose
  // first leaves a partial chunk, so the rest goes through HDF5's own filters.
  for (const std::vector<std::size_t>& cuts :
       {std::vector<std::size_t>{0, 200'000}, std::vector<std::size_t>{0, 65'536, 200'000},
        std::vector<std::size_t>{0, 70'000, 140'000, 200'000},
        std::vector<std::size_t>{0, 1, 200'000}}) {
    {
      h5::File file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
      h5layout::CustomerTableWriter writer(file.get(), table.size());
      for (std::size_t k = 0; k + 1 < cuts.size(); ++k) writer.append(table, cuts[k], cuts[k + 1]);
    }
    INFO("appended in " << cuts.size() - 1 << " pieces");
    REQUIRE(same(read_back(path), table));
    // The filters a reader needs are HDF5's standard shuffle and deflate.
    h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    h5::Dataset rows(H5Dopen2(file.get(), "customers", H5P_DEFAULT));
    h5::PropList props(H5Dget_create_plist(rows.get()));
    REQUIRE(H5Pget_nfilters(props.get()) == 2);
    unsigned flags = 0;
    std::size_t values = 1;
    unsigned level = 0;
    char name[64];
    unsigned config = 0;
    CHECK(H5Pget_filter2(props.get(), 0, &flags, &values, &level, sizeof name, name, &config) ==
          H5Z_FILTER_SHUFFLE);
    values = 1;
    CHECK(H5Pget_filter2(props.get(), 1, &flags, &values, &level, sizeof name, name, &config) ==
          H5Z_FILTER_DEFLATE);
  }
  std::filesystem::remove(path);
}
