// The same class as table_a.cpp, defined again identically (as a header would): allowed.
#include <string>

namespace cjsim::cli {
struct TextTable {
  std::string title;
  int columns = 0;
  void add(int c);
};
}  // namespace cjsim::cli

int columns_of_a_table();
int main() {
  cjsim::cli::TextTable table;
  table.add(2);
  return columns_of_a_table() + table.columns == 3 ? 0 : 1;
}
