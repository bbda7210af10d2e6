// A different class under the same name (the planted violation: two cjsim::cli::TextTable once
// made `cjsim compare` crash in a Debug build). The odr preset's link must refuse it.
#include <string>
#include <vector>

namespace cjsim::cli {
struct TextTable {
  std::vector<std::string> rows;
  double width = 0;
  void add(int c);
};
}  // namespace cjsim::cli

int columns_of_a_table();
int main() {
  cjsim::cli::TextTable table;
  table.rows.push_back("row");
  return columns_of_a_table() + static_cast<int>(table.rows.size()) == 2 ? 0 : 1;
}
