#include "net/listen_address.h"

#include <gtest/gtest.h>

namespace lt::net {
namespace {

TEST(ListenAddress, ParsesHostPortForms) {
  std::string err;
  auto a = parse_listen("127.0.0.1:8080", err);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->address, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  EXPECT_TRUE(a->loopback());
  a = parse_listen("[::1]:0", err);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->address, "::1");
  EXPECT_TRUE(a->loopback());
  a = parse_listen(":9464", err);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->address, "127.0.0.1");  // no host: loopback, the safe default
  a = parse_listen("0.0.0.0:80", err);
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->loopback());
}

TEST(ListenAddress, RejectsGarbageWithAReason) {
  for (const char* bad : {"", "8080", "host:", "host:http", "host:70000", "host:-1"}) {
    std::string err;
    EXPECT_FALSE(parse_listen(bad, err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

}  // namespace
}  // namespace lt::net
