// A checker of the Prometheus text exposition format (0.0.4), as far as wirelink uses it:
// every sample belongs to a family declared by "# HELP" and "# TYPE" before it, names and
// label names are valid, label values are closed and escaped, values parse, no series repeats,
// and counters end in _total. Returns the problems found (empty = well formed).
#pragma once

#include <cstdlib>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace wl::agent::test {

inline std::vector<std::string> check_exposition(const std::string& text) {
  std::vector<std::string> bad;
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge))");
  // name, then {label="value",...}: values are any chars but an unescaped quote/backslash.
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? (-?[0-9]+(\.[0-9]+)?))");
  std::set<std::string> helped, typed, series;
  std::string type_of_current;
  if (text.empty() || text.back() != '\n') bad.push_back("text must end with a newline");
  std::istringstream in(text);
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, kHelp)) {
      if (!helped.insert(m[1]).second) bad.push_back("HELP twice: " + line);
    } else if (std::regex_match(line, m, kType)) {
      if (!typed.insert(m[1]).second) bad.push_back("TYPE twice: " + line);
      if (!helped.count(m[1])) bad.push_back("TYPE before HELP: " + line);
      if (m[2] == "counter" && !std::string(m[1]).ends_with("_total"))
        bad.push_back("counter without _total: " + line);
    } else if (std::regex_match(line, m, kSample)) {
      if (!typed.count(m[1])) bad.push_back("sample of an undeclared family: " + line);
      if (!series.insert(line.substr(0, line.rfind(' '))).second)
        bad.push_back("series repeated: " + line);
    } else {
      bad.push_back("not exposition format: " + line);
    }
  }
  return bad;
}

}  // namespace wl::agent::test
