// Configuration errors name the bad property; error codes map to the class a
// retry policy acts on.
#include "kafka/client_config.h"

#include <gtest/gtest.h>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"

namespace lt::kafka {
namespace {

TEST(KafkaConfig, UnknownPropertyIsNamedInTheError) {
  ClientConfig config;
  config.properties["no.such.property"] = "1";
  auto producer = Producer::create(config);
  ASSERT_FALSE(producer);
  EXPECT_EQ(producer.error().code, "kafka.config");
  EXPECT_NE(producer.error().message.find("no.such.property"), std::string::npos);
  EXPECT_FALSE(producer.error().retriable());
}

TEST(KafkaConfig, BadValueIsNamedWithItsProperty) {
  ClientConfig config;
  config.properties["compression.codec"] = "brotli";
  auto producer = Producer::create(config);
  ASSERT_FALSE(producer);
  EXPECT_NE(producer.error().message.find("compression.codec"), std::string::npos);
  EXPECT_NE(producer.error().message.find("brotli"), std::string::npos);
}

TEST(KafkaConfig, ErrorsNeverQuoteTheValueOfACredentialProperty) {
  ClientConfig config;
  config.properties["sasl.password.typo"] = "s3cr3t-value";
  auto producer = Producer::create(config);
  ASSERT_FALSE(producer);
  EXPECT_NE(producer.error().message.find("sasl.password.typo"), std::string::npos);
  EXPECT_EQ(producer.error().message.find("s3cr3t-value"), std::string::npos) << producer.error().message;
}

TEST(KafkaConfig, PassThroughPropertiesOverrideWrapperDefaults) {
  ClientConfig config;
  config.properties["linger.ms"] = "7";
  auto conf = build_conf(config, {{"linger.ms", "20"}});
  ASSERT_TRUE(conf) << conf.error().message;
  char value[64];
  size_t size = sizeof value;
  ASSERT_EQ(rd_kafka_conf_get(conf->get(), "linger.ms", value, &size), RD_KAFKA_CONF_OK);
  EXPECT_STREQ(value, "7");
}

TEST(KafkaConfig, DisablingCertificateVerificationNeedsExplicitInsecure) {
  ClientConfig config;
  config.properties["enable.ssl.certificate.verification"] = "false";
  auto conf = build_conf(config, {});
  ASSERT_FALSE(conf);
  EXPECT_NE(conf.error().message.find("logtracer.insecure"), std::string::npos);
  config.properties["logtracer.insecure"] = "true";
  EXPECT_TRUE(build_conf(config, {}));
}

TEST(KafkaConfig, ConsumerNeedsAGroup) {
  auto consumer = Consumer::create(ClientConfig{}, ConsumerOptions{});
  ASSERT_FALSE(consumer);
  EXPECT_NE(consumer.error().message.find("group"), std::string::npos);
}

TEST(KafkaConfig, ProducerAndAdminCreateWithoutContactingTheBroker) {
  ClientConfig config;
  config.brokers = "127.0.0.1:1";  // nothing listens: creation must still succeed
  EXPECT_TRUE(Producer::create(config, {.poll_thread = false}));
  EXPECT_TRUE(Admin::create(config));
}

TEST(KafkaErrors, CodesAreClassifiedForRetry) {
  EXPECT_EQ(classify(RD_KAFKA_RESP_ERR__QUEUE_FULL), ErrorClass::Transient);
  EXPECT_EQ(classify(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT), ErrorClass::Transient);
  EXPECT_EQ(classify(RD_KAFKA_RESP_ERR__TRANSPORT), ErrorClass::Transient);
  EXPECT_EQ(classify(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS), ErrorClass::Transient);
  EXPECT_EQ(classify(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE), ErrorClass::Permanent);
  EXPECT_EQ(classify(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED), ErrorClass::Permanent);
  EXPECT_EQ(classify(RD_KAFKA_RESP_ERR_INVALID_RECORD), ErrorClass::Permanent);
  EXPECT_EQ(classify(RD_KAFKA_RESP_ERR__FATAL), ErrorClass::Fatal);
}

TEST(KafkaErrors, NamesAreShortAndMachineReadable) {
  EXPECT_EQ(error_code_name(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT), "kafka.msg_timed_out");
  EXPECT_EQ(error_code_name(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE), "kafka.msg_size_too_large");
  const Error e = make_error(RD_KAFKA_RESP_ERR__QUEUE_FULL, "produce to logs.raw");
  EXPECT_TRUE(e.retriable());
  EXPECT_EQ(e.message.rfind("produce to logs.raw: ", 0), 0u) << e.message;
}

TEST(KafkaErrors, RichErrorsKeepLibrdkafkasClassification) {
  rd_kafka_error_t* fatal = rd_kafka_error_new(RD_KAFKA_RESP_ERR__FATAL, "boom");
  EXPECT_TRUE(make_error(fatal, "x").fatal());
  rd_kafka_error_destroy(fatal);
  rd_kafka_error_t* plain = rd_kafka_error_new(RD_KAFKA_RESP_ERR_INVALID_RECORD, "bad %d", 1);
  const Error e = make_error(plain, "produce");
  EXPECT_EQ(e.klass, ErrorClass::Permanent);
  EXPECT_NE(e.message.find("bad 1"), std::string::npos);
  rd_kafka_error_destroy(plain);
}

}  // namespace
}  // namespace lt::kafka
