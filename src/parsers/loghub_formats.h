// The six Loghub samples in tests/data/loghub, the preset that reads each, and
// the equivalent `regex` pattern given in docs/parsers.md (tests and bench share it).
#pragma once

#include <string_view>

namespace lt::parsers {

struct LoghubFormat {
  std::string_view dataset;  // folder and file prefix under tests/data/loghub
  std::string_view preset;
  std::string_view regex;
};

inline constexpr LoghubFormat kLoghubFormats[] = {
    {"Apache", "apache", R"(^\[(?P<timestamp>[^\]]+)\] \[(?P<level>\w+)\] (?P<message>.*?)\s*$)"},
    {"HDFS", "log4j",
     R"(^(?P<date>\d{6}) (?P<time>\d{6}) (?P<pid>\d+) (?P<level>\w+) (?P<logger>[^:]+): (?P<message>.*?)\s*$)"},
    {"Linux", "syslog",
     R"(^(?P<timestamp>\w{3} +\d+ [\d:]+) (?P<host>\S+) +(?P<app>[^:\[]+?)(?:\[(?P<pid>\d+)\])?:\s*(?P<message>.*?)\s*$)"},
    {"OpenSSH", "syslog",
     R"(^(?P<timestamp>\w{3} +\d+ [\d:]+) (?P<host>\S+) (?P<app>sshd)\[(?P<pid>\d+)\]: (?P<message>.*?)\s*$)"},
    {"Spark", "log4j", R"(^(?P<date>\S+) (?P<time>\S+) (?P<level>\w+) (?P<logger>[^:]+): (?P<message>.*?)\s*$)"},
    {"Zookeeper", "log4j",
     R"(^(?P<date>\S+) (?P<time>\S+) - (?P<level>\w+) +\[(?P<thread>.*):(?P<logger>[^:@]+)@(?P<line>\d+)\] - (?P<message>.*?)\s*$)"},
};

}  // namespace lt::parsers
