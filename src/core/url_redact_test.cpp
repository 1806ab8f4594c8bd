#include "core/url_redact.h"

#include <gtest/gtest.h>

namespace lt {
namespace {

TEST(RedactUrl, MasksUserinfoAndQueryValuesButKeepsWhereItGoes) {
  EXPECT_EQ(redact_url("https://svc:S3cretLookupPw@lookup.example:8443/users/{key}?token=abc&v"),
            "https://***@lookup.example:8443/users/{key}?token=***&v=***");
  EXPECT_EQ(redact_url("http://127.0.0.1:9/alerts"), "http://127.0.0.1:9/alerts");
  EXPECT_EQ(redact_url("http://h"), "http://h");
  // A password may hold an unencoded '@': everything up to the last one is userinfo.
  EXPECT_EQ(redact_url("http://u:p@ss@h/"), "http://***@h/");
  EXPECT_EQ(redact_url("http://h/p#secret-fragment"), "http://h/p#***");
}

TEST(RedactUrl, PathSecrecyHidesWebhookPaths) {
  EXPECT_EQ(redact_url("https://hooks.slack.com/services/T000/B000/XXXXSECRET", UrlSecrecy::Path),
            "https://hooks.slack.com/...");
  EXPECT_EQ(redact_url("https://h/", UrlSecrecy::Path), "https://h/");
  EXPECT_EQ(redact_url("https://a:b@h/x?token=t", UrlSecrecy::Path), "https://***@h/...?token=***");
}

TEST(ScrubUrl, RemovesEveryPieceFromAMessage) {
  const std::string url = "https://user:pw-1@hooks.example/services/T0/SECRETPATH?token=tok-9";
  std::string message = "bad URL '" + url + "': no; request to https://hooks.example:443/services/T0/SECRETPATH"
                        "?token=tok-9: end of stream; user:pw-1@";
  scrub_url(message, url, UrlSecrecy::Path);
  for (const char* secret : {"pw-1", "SECRETPATH", "tok-9", "user:"}) EXPECT_EQ(message.find(secret), std::string::npos) << secret << ": " << message;
  EXPECT_NE(message.find("hooks.example"), std::string::npos) << message;

  std::string lookup = "request to http://h:80/u/42?token=tok-9: timeout";
  scrub_url(lookup, "http://h/u/{key}?token=tok-9");
  EXPECT_EQ(lookup, "request to http://h:80/u/42?token=***: timeout");
}

TEST(UrlHasUserinfo, OnlyTheAuthorityCounts) {
  EXPECT_TRUE(url_has_userinfo("https://u:p@h/"));
  EXPECT_TRUE(url_has_userinfo("https://u@h"));
  EXPECT_FALSE(url_has_userinfo("https://h/path@x?q=a@b"));
  EXPECT_FALSE(url_has_userinfo("https://h"));
}

}  // namespace
}  // namespace lt
