// One definition of a class (see check_odr_plant.py): the program's.
#include <string>

namespace cjsim::cli {
struct TextTable {
  std::string title;
  int columns = 0;
  void add(int c);
};
void TextTable::add(int c) {
  columns += c;
}
}  // namespace cjsim::cli

int columns_of_a_table() {
  cjsim::cli::TextTable table;
  table.add(1);
  return table.columns;
}
