#include "core/secret_names.h"

#include <gtest/gtest.h>

namespace lt {
namespace {

TEST(LooksSecret, CredentialNamesInAnyCaseOrSpelling) {
  for (const char* name : {"sasl.password", "ssl.key.password", "ssl.keystore.password", "Authorization",
                           "X-Api-Key", "api_key", "client.secret", "sasl.oauthbearer.config", "ssl.key.pem",
                           "GITHUB_TOKEN", "Cookie", "sasl.jaas.config"})
    EXPECT_TRUE(looks_secret(name)) << name;
  for (const char* name : {"linger.ms", "bootstrap.servers", "compression.codec", "ssl.ca.location", "debug",
                           "Content-Type", "team", "region"})
    EXPECT_FALSE(looks_secret(name)) << name;
}

}  // namespace
}  // namespace lt
