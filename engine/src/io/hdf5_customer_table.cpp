#include "io/hdf5_customer_table.hpp"

#include <hdf5_hl.h>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

#include "base/parallel.hpp"
#include "io/hdf5_chunks.hpp"
#include "io/hdf5_objects.hpp"

namespace cjsim::h5layout {

namespace {

// The customers table's file layout (customer_file_type: packed, little-endian), field by field.
struct FieldSpot {
  const char* name;
  std::size_t offset;
};
constexpr FieldSpot kFileFields[] = {
    {"segment", 0},    {"final_stage", 1},     {"source", 2},   {"first_purchase_day", 3},
    {"churn_day", 7},  {"purchases", 11},      {"revenue", 15}, {"back_steps", 19},
    {"referrals", 21}, {"stages_reached", 23},
};
constexpr std::size_t kFileRowBytes = 27;

// Whether `type` is laid out as kFileFields on a little-endian machine, so rows can be packed
// by copying bytes.
bool packable(hid_t type) {
  if constexpr (std::endian::native != std::endian::little) return false;
  if (H5Tget_size(type) != kFileRowBytes) return false;
  for (const FieldSpot& f : kFileFields) {
    const int k = H5Tget_member_index(type, f.name);
    if (k < 0 || H5Tget_member_offset(type, static_cast<unsigned>(k)) != f.offset) return false;
  }
  return true;
}

template <class T>
void put(std::uint8_t* row, std::size_t offset, T value) {
  std::memcpy(row + offset, &value, sizeof value);
}

// Rows [begin, begin + count) of `table` in the file layout, zero-filled to `rows` rows (the
// fill value HDF5 stores past the end of a dataset in its last chunk).
void pack_rows(const CustomerTable& t, std::size_t begin, std::size_t count, std::size_t rows,
               std::vector<std::uint8_t>& raw) {
  raw.resize(rows * kFileRowBytes);
  std::fill(raw.begin() + static_cast<std::ptrdiff_t>(count * kFileRowBytes), raw.end(), 0);
  for (std::size_t i = 0; i < count; ++i) {
    std::uint8_t* row = raw.data() + i * kFileRowBytes;
    const std::size_t c = begin + i;
    put(row, 0, t.segment[c]);
    put(row, 1, t.final_stage[c]);
    put(row, 2, t.source[c]);
    put(row, 3, t.first_purchase_day[c]);
    put(row, 7, t.churn_day[c]);
    put(row, 11, t.purchases[c]);
    put(row, 15, t.revenue[c]);
    put(row, 19, t.back_steps[c]);
    put(row, 21, t.referrals[c]);
    put(row, 23, t.stages_reached[c]);
  }
}

// An appendable dataset: unlimited rows, chunked, shuffled and deflated. Shuffle groups the
// bytes of each field together, which is what makes small integers compress well.
h5::Dataset create_appendable(hid_t group, const char* name, hid_t file_type, hsize_t chunk_rows) {
  hsize_t initial = 0;
  hsize_t unlimited = H5S_UNLIMITED;
  h5::Dataspace space(h5::check(H5Screate_simple(1, &initial, &unlimited), "creating a dataspace"));
  h5::PropList props = h5::dataset_creation_props();
  std::string place = h5::path_of(group) + "/" + name;
  h5::check(H5Pset_chunk(props.get(), 1, &chunk_rows), "chunking " + place);
  h5::check(H5Pset_shuffle(props.get()), "compressing " + place);
  h5::check(H5Pset_deflate(props.get(), kDeflateLevel), "compressing " + place);
  return h5::Dataset(h5::check(
      H5Dcreate2(group, name, file_type, space.get(), H5P_DEFAULT, props.get(), H5P_DEFAULT),
      "creating dataset " + place));
}

// Grows `dataset` to `rows` and returns a file space selecting [first, first + count).
h5::Dataspace grow_and_select(hid_t dataset, hsize_t first, hsize_t count) {
  hsize_t rows = first + count;
  std::string place = h5::path_of(dataset);
  h5::check(H5Dset_extent(dataset, &rows), "extending " + place);
  h5::Dataspace space(h5::check(H5Dget_space(dataset), "extending " + place));
  h5::check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &first, nullptr, &count, nullptr),
            "selecting rows of " + place);
  return space;
}

// The pipeline's fork and join for TSan: globals, so that a filter can acquire the fork before
// it reads anything the caller wrote, its own captures included (the filter objects are written
// by the calling thread when they are made).
char pipeline_fork;
char pipeline_join;

}  // namespace

CustomerTableWriter::CustomerTableWriter(hid_t run_group, std::size_t expected_rows)
    : memory_type_(customer_memory_type()) {
  const hsize_t chunk_rows = std::clamp<hsize_t>(expected_rows, 1, kCustomerChunkRows);
  chunk_rows_ = chunk_rows;
  index_ = create_appendable(run_group, kCustomer, H5T_STD_U64LE, chunk_rows);
  h5::check(H5DSset_scale(index_.get(), kCustomer), "making the customer index a scale");
  h5::write_attribute(index_.get(), "units", std::string("index"));
  h5::write_attribute(index_.get(), "long_name", std::string("customer index (0-based)"));

  h5::Datatype file_type = customer_file_type();
  direct_ = packable(file_type.get());
  rows_ = create_appendable(run_group, kCustomers, file_type.get(), chunk_rows);
  h5::check(H5DSattach_scale(rows_.get(), index_.get(), 0), "attaching the customer index");
  h5::write_attribute(rows_.get(), "long_name", std::string("outcome of every customer"));
  // Units of each compound field, in field order ("" for codes and bit sets).
  h5::write_attribute(rows_.get(), "field_units",
                      std::vector<std::string>{"", "", "", "day", "day", "purchases", "currency",
                                               "transitions", "recommendations", ""});
}

void CustomerTableWriter::append(const CustomerTable& table, std::size_t begin, std::size_t end) {
  if (direct_ && written_ % chunk_rows_ == 0) begin = append_chunks(table, begin, end);
  for (std::size_t first = begin; first < end; first += kCustomerChunkRows) {
    append_block(table, first, std::min(end, first + kCustomerChunkRows));
  }
}

void CustomerTableWriter::append_block(const CustomerTable& table, std::size_t begin,
                                       std::size_t end) {
  const std::size_t count = end - begin;
  row_buffer_.resize(count);
  index_buffer_.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t c = begin + i;
    row_buffer_[i] = CustomerRow{
        table.segment[c],   table.final_stage[c],   table.source[c],  table.first_purchase_day[c],
        table.churn_day[c], table.purchases[c],     table.revenue[c], table.back_steps[c],
        table.referrals[c], table.stages_reached[c]};
    index_buffer_[i] = written_ + i;
  }
  const hsize_t rows = count;
  h5::Dataspace memory(h5::check(H5Screate_simple(1, &rows, nullptr), "creating a dataspace"));

  h5::Dataspace index_space = grow_and_select(index_.get(), written_, rows);
  h5::check(H5Dwrite(index_.get(), H5T_NATIVE_UINT64, memory.get(), index_space.get(), H5P_DEFAULT,
                     index_buffer_.data()),
            "writing " + h5::path_of(index_.get()));
  h5::Dataspace row_space = grow_and_select(rows_.get(), written_, rows);
  h5::check(H5Dwrite(rows_.get(), memory_type_.get(), memory.get(), row_space.get(), H5P_DEFAULT,
                     row_buffer_.data()),
            "writing " + h5::path_of(rows_.get()));
  written_ += rows;
}

std::size_t CustomerTableWriter::append_chunks(const CustomerTable& table, std::size_t begin,
                                               std::size_t end) {
  // A pipeline: chunks compressed on every core, each written as soon as it and those before it
  // are ready, in order (the file does not depend on the thread count). Per-thread buffers are
  // reused, so compressing allocates nothing after the first chunks.
  const auto chunk = static_cast<std::size_t>(chunk_rows_);
  const std::size_t chunks = (end - begin + chunk - 1) / chunk;
  const hsize_t first_row = written_;
  grow_and_select(index_.get(), first_row, end - begin);
  grow_and_select(rows_.get(), first_row, end - begin);
  struct Buffers {
    std::vector<std::uint8_t> raw, shuffled, deflated;
  };
  tbb::enumerable_thread_specific<Buffers> buffers;
  struct Compressed {
    std::vector<std::uint8_t> rows, index;
  };
  // At most `tokens` chunks are in flight and the last filter takes them in order, so chunk k
  // can use slot k % tokens: chunk k - tokens has left the pipeline before chunk k enters.
  // Only chunk numbers travel through TBB; the slots carry the bytes, which lets the TSan build
  // state each hand-over (tsan_release / tsan_acquire on the slot; Debian's libtbb is not
  // instrumented, engine/src/base/parallel.hpp).
  const auto tokens =
      static_cast<std::size_t>(2 * std::max(1, tbb::this_task_arena::max_concurrency()));
  std::vector<Compressed> slots(std::min(tokens, std::max<std::size_t>(chunks, 1)));
  std::size_t next = 0;
  const auto filters =
      tbb::make_filter<void, std::size_t>(tbb::filter_mode::serial_in_order,
                                          [&](tbb::flow_control& control) -> std::size_t {
                                            tsan_acquire(&pipeline_fork);
                                            tsan_acquire(&next);
                                            if (next == chunks) control.stop();
                                            const std::size_t k = next++;
                                            tsan_release(&next);
                                            return k;
                                          }) &
      tbb::make_filter<std::size_t, std::size_t>(
          tbb::filter_mode::parallel,
          [&](std::size_t k) {
            tsan_acquire(&pipeline_fork);
            Compressed& c = slots[k % slots.size()];
            tsan_acquire(&c);  // the last filter is done with the chunk that used it before
            Buffers& b = buffers.local();
            const std::size_t from = begin + k * chunk;
            const std::size_t n = std::min(chunk, end - from);
            pack_rows(table, from, n, chunk, b.raw);
            shuffle_deflate(b.raw, kFileRowBytes, static_cast<int>(kDeflateLevel), b.shuffled,
                            b.deflated);
            c.rows = b.deflated;
            b.raw.resize(chunk * sizeof(std::uint64_t));
            std::fill(b.raw.begin() + static_cast<std::ptrdiff_t>(n * sizeof(std::uint64_t)),
                      b.raw.end(), 0);
            for (std::size_t i = 0; i < n; ++i) {
              const std::uint64_t customer = first_row + k * chunk + i;
              std::memcpy(b.raw.data() + i * sizeof customer, &customer, sizeof customer);
            }
            shuffle_deflate(b.raw, sizeof(std::uint64_t), static_cast<int>(kDeflateLevel),
                            b.shuffled, b.deflated);
            c.index = b.deflated;
            tsan_release(&c);
            return k;
          }) &
      tbb::make_filter<std::size_t, void>(tbb::filter_mode::serial_in_order, [&](std::size_t k) {
        tsan_acquire(&pipeline_fork);
        const Compressed& c = slots[k % slots.size()];
        tsan_acquire(&c);
        const hsize_t offset = first_row + k * chunk;
        h5::check(
            H5Dwrite_chunk(index_.get(), H5P_DEFAULT, 0, &offset, c.index.size(), c.index.data()),
            "writing " + h5::path_of(index_.get()));
        h5::check(
            H5Dwrite_chunk(rows_.get(), H5P_DEFAULT, 0, &offset, c.rows.size(), c.rows.data()),
            "writing " + h5::path_of(rows_.get()));
        tsan_release(&c);
        tsan_release(&pipeline_join);  // join: the caller acquires it after the pipeline
      });
  tsan_release(&pipeline_fork);  // fork: everything above, the filters too, precedes any filter
  tbb::parallel_pipeline(slots.size(), filters);
  tsan_acquire(&pipeline_join);
  written_ = first_row + (end - begin);
  return end;
}

void read_customer_rows(hid_t customers, hsize_t begin, hsize_t end, CustomerTable& table) {
  h5::Datatype memory_type = customer_memory_type();
  std::vector<CustomerRow> rows;
  for (hsize_t first = begin; first < end; first += kCustomerChunkRows) {
    const hsize_t count = std::min<hsize_t>(end - first, kCustomerChunkRows);
    rows.resize(count);
    h5::Dataspace memory(h5::check(H5Screate_simple(1, &count, nullptr), "creating a dataspace"));
    h5::Dataspace file(h5::check(H5Dget_space(customers), "reading " + h5::path_of(customers)));
    h5::check(H5Sselect_hyperslab(file.get(), H5S_SELECT_SET, &first, nullptr, &count, nullptr),
              "selecting rows of " + h5::path_of(customers));
    h5::check(
        H5Dread(customers, memory_type.get(), memory.get(), file.get(), H5P_DEFAULT, rows.data()),
        "reading " + h5::path_of(customers));
    for (const CustomerRow& r : rows) {
      table.segment.push_back(r.segment);
      table.final_stage.push_back(r.final_stage);
      table.source.push_back(r.source);
      table.first_purchase_day.push_back(r.first_purchase_day);
      table.churn_day.push_back(r.churn_day);
      table.purchases.push_back(r.purchases);
      table.revenue.push_back(r.revenue);
      table.back_steps.push_back(r.back_steps);
      table.referrals.push_back(r.referrals);
      table.stages_reached.push_back(r.stages_reached);
    }
  }
}

}  // namespace cjsim::h5layout
