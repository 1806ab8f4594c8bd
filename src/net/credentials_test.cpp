#include "net/credentials.h"

#include <gtest/gtest.h>

namespace lt::net {
namespace {

TEST(Credentials, ConstantTimeEqualComparesWholeStrings) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(Credentials, BearerTokenSchemeIsCaseInsensitiveAndNeedsAToken) {
  EXPECT_EQ(bearer_token("Bearer s3cret"), "s3cret");
  EXPECT_EQ(bearer_token("bearer s3cret "), "s3cret");
  EXPECT_EQ(bearer_token("BEARER  s3cret"), "s3cret");
  EXPECT_FALSE(bearer_token("Basic czNjcmV0"));
  EXPECT_FALSE(bearer_token("Bearer "));
  EXPECT_FALSE(bearer_token("Bearer"));
  EXPECT_FALSE(bearer_token("Bearers3cret"));
  EXPECT_FALSE(bearer_token(""));
}

TEST(Credentials, TokenMatchesAnyAcceptedButNeverAnEmptyOne) {
  std::vector<std::string> accepted = {"first-token", "second-token"};
  EXPECT_TRUE(token_matches("second-token", accepted));
  EXPECT_TRUE(token_matches("first-token", accepted));
  EXPECT_FALSE(token_matches("second-toke", accepted));
  EXPECT_FALSE(token_matches("", accepted));
  EXPECT_FALSE(token_matches("", {""}));  // an empty configured token never opens the door
  EXPECT_FALSE(token_matches("x", {}));
}

}  // namespace
}  // namespace lt::net
