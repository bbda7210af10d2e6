#include "calibration/csv_table.hpp"

#include <csv.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "cjsim/errors.hpp"

namespace cjsim {

namespace {

struct Collector {
  CsvTable* table;
  std::vector<std::string> fields;
  int line = 1;       // where the current record started
  int next_line = 1;  // line after what has been read
  bool too_many = false;

  static void on_field(void* s, std::size_t n, void* self) {
    auto* c = static_cast<Collector*>(self);
    c->fields.emplace_back(static_cast<const char*>(s), n);
    // A quoted field may hold line feeds: they still count as lines of the file.
    for (std::size_t i = 0; i < n; ++i) c->next_line += static_cast<const char*>(s)[i] == '\n';
  }
  static void on_record(int ch, void* self) {
    auto* c = static_cast<Collector*>(self);
    const bool blank = c->fields.empty() || (c->fields.size() == 1 && c->fields[0].empty());
    if (!blank) c->table->rows.push_back(CsvRow{c->line, std::move(c->fields)});
    c->fields.clear();
    if (ch == '\n') ++c->next_line;
    c->line = c->next_line;
  }
};

[[noreturn]] void fail(const std::string& path, int line, const std::string& what,
                       std::string message, std::string fix) {
  throw InputError(SourcePlace{path, line, 0}, what, std::move(message), std::move(fix));
}

}  // namespace

CsvTable read_csv_table(const std::string& path, const std::string& what) {
  // O_NONBLOCK: opening a FIFO without a writer must not hang; it is refused below anyway.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    fail(path, 0, what, fmt::format("cannot open '{}': {}", path, std::strerror(err)),
         err == ENOENT ? "check the path (relative paths start from the current folder)"
                       : "check the file's permissions");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, 0, what,
         fmt::format("'{}' is not a regular file ({})", path,
                     S_ISDIR(st.st_mode)    ? "a folder"
                     : S_ISFIFO(st.st_mode) ? "a pipe"
                     : S_ISCHR(st.st_mode)  ? "a device"
                                            : "not a plain file"),
         "give the path of a CSV file; to read a stream, save it to a file first");
  }
  if (static_cast<std::uint64_t>(st.st_size) > kMaxInputBytes) {
    ::close(fd);
    fail(path, 0, what,
         fmt::format("'{}' is {:.1f} MiB, more than the 16 MiB an input file may have", path,
                     static_cast<double>(st.st_size) / (1 << 20)),
         "aggregate it first (weekly rows), or keep only the window you fit");
  }
  std::string text;
  text.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      fail(path, 0, what, fmt::format("cannot read '{}': {}", path, std::strerror(err)),
           "check the file");
    }
    if (n == 0) break;  // shrank while being read: parse what is there
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  text.resize(got);
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);  // BOM

  CsvTable table;
  table.path = path;
  Collector c{&table, {}, 1, 1, false};
  csv_parser parser{};
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
    throw RuntimeError("cannot start the CSV parser (out of memory?)");
  }
  const std::size_t used =
      csv_parse(&parser, text.data(), text.size(), Collector::on_field, Collector::on_record, &c);
  int status = csv_error(&parser);
  if (used == text.size() && status == CSV_SUCCESS) {
    status = csv_fini(&parser, Collector::on_field, Collector::on_record, &c) == 0
                 ? CSV_SUCCESS
                 : csv_error(&parser);
  }
  csv_free(&parser);
  if (status != CSV_SUCCESS) {
    fail(path, c.line, what, fmt::format("not valid CSV: {}", csv_strerror(status)),
         "check the quotes on this line: a field is \"quoted\" as a whole, and a quote inside "
         "it is doubled (\"\")");
  }
  return table;
}

bool parse_date_prefix(const std::string& s, std::int32_t& days, bool allow_time) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (s.size() > 10 && (!allow_time || (s[10] != 'T' && s[10] != ' '))) return false;
  for (std::size_t i = 0; i < 10; ++i) {
    if (i == 4 || i == 7) continue;
    if (s[i] < '0' || s[i] > '9') return false;
  }
  int y = 0;
  unsigned m = 0, d = 0;
  std::from_chars(s.data(), s.data() + 4, y);
  std::from_chars(s.data() + 5, s.data() + 7, m);
  std::from_chars(s.data() + 8, s.data() + 10, d);
  const std::chrono::year_month_day date{std::chrono::year(y), std::chrono::month(m),
                                         std::chrono::day(d)};
  if (!date.ok()) return false;
  days = static_cast<std::int32_t>(std::chrono::sys_days(date).time_since_epoch().count());
  return true;
}

std::string format_date(std::int32_t days_since_epoch) {
  const std::chrono::year_month_day d{std::chrono::sys_days{std::chrono::days{days_since_epoch}}};
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(d.year()),
                     static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

}  // namespace cjsim
