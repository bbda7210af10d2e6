// Writes the per-customer table (/runs/<v>/replicate_<r>/customers and its `customer` index
// scale) block by block: each append extends the datasets and writes one hyperslab, so a caller
// can stream rows without holding the whole table as rows in memory.
#pragma once

#include <cstddef>
#include <vector>

#include "cjsim/results.hpp"
#include "io/hdf5_handles.hpp"
#include "io/hdf5_layout.hpp"

namespace cjsim::h5layout {

class CustomerTableWriter {
 public:
  // `expected_rows` sizes the chunks (small tables get one small chunk); appending more is fine.
  CustomerTableWriter(hid_t run_group, std::size_t expected_rows);
  // Appends rows [begin, end) of `table`, at most kCustomerChunkRows at a time.
  void append(const CustomerTable& table, std::size_t begin, std::size_t end);

 private:
  void append_block(const CustomerTable& table, std::size_t begin, std::size_t end);
  // Whole chunks from `begin`: compressed in parallel (hdf5_chunks.hpp), written as they are.
  std::size_t append_chunks(const CustomerTable& table, std::size_t begin, std::size_t end);

  h5::Dataset rows_;
  h5::Dataset index_;
  h5::Datatype memory_type_;
  hsize_t chunk_rows_ = 1;
  bool direct_ = false;  // the file layout is the one append_chunks packs
  hsize_t written_ = 0;
  std::vector<CustomerRow> row_buffer_;
  std::vector<std::uint64_t> index_buffer_;
};

// Reads rows [begin, end) of a customers dataset into the columns of `table` (appending).
void read_customer_rows(hid_t customers, hsize_t begin, hsize_t end, CustomerTable& table);

}  // namespace cjsim::h5layout
