#include "hdf5_customer_table.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <string>

#include "hdf5_objects.hpp"

namespace cjsim::h5layout {

namespace {

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

}  // namespace

CustomerTableWriter::CustomerTableWriter(hid_t run_group, std::size_t expected_rows)
    : memory_type_(customer_memory_type()) {
  hsize_t chunk_rows = std::clamp<hsize_t>(expected_rows, 1, kCustomerChunkRows);
  index_ = create_appendable(run_group, kCustomer, H5T_STD_U64LE, chunk_rows);
  h5::check(H5DSset_scale(index_.get(), kCustomer), "making the customer index a scale");
  h5::write_attribute(index_.get(), "units", std::string("index"));
  h5::write_attribute(index_.get(), "long_name", std::string("customer index (0-based)"));

  h5::Datatype file_type = customer_file_type();
  rows_ = create_appendable(run_group, kCustomers, file_type.get(), chunk_rows);
  h5::check(H5DSattach_scale(rows_.get(), index_.get(), 0), "attaching the customer index");
  h5::write_attribute(rows_.get(), "long_name", std::string("outcome of every customer"));
  // Units of each compound field, in field order ("" for codes and bit sets).
  h5::write_attribute(rows_.get(), "field_units",
                      std::vector<std::string>{"", "", "", "day", "day", "purchases", "currency",
                                               "transitions", "recommendations", ""});
}

void CustomerTableWriter::append(const CustomerTable& table, std::size_t begin, std::size_t end) {
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
