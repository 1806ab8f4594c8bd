// deploy/ cannot be run where the tests run (no Docker engine, no systemd as
// PID 1), so this checks what can be checked without them: the runtime image's
// packages (scripts/setup's "runtime" group) provide every shared library the
// real binary loads; the Dockerfile installs through scripts/setup and builds
// with `make build`; its HEALTHCHECK command, run as written, passes against a
// live dashboard and fails without one; every config compose mounts exists and
// validates with the environment compose gives it; the systemd units pass
// `systemd-analyze verify`.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "process_util.h"

namespace {

namespace fs = std::filesystem;
const fs::path kRoot = LT_SOURCE_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Outcome {
  int status = -1;
  std::string output;  // stdout + stderr
};

Outcome run(const std::string& command) {
  Outcome r;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) r.output.append(buf, n);
  const int st = ::pclose(pipe);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

bool have(const char* tool) { return run(std::string("command -v ") + tool).status == 0; }

// The Debian package that ships `path` ("" if none): dpkg knows /usr/lib and /lib
// spellings apart, and ldd may print either.
std::string package_of(const std::string& path) {
  for (std::string p : {path, fs::weakly_canonical(path).string()}) {
    for (const std::string& candidate : {p, p.rfind("/usr/", 0) == 0 ? p.substr(4) : "/usr" + p}) {
      Outcome r = run("dpkg -S " + quote(candidate));
      if (r.status == 0) return r.output.substr(0, r.output.find_first_of(":"));
    }
  }
  return "";
}

TEST(Deploy, RuntimePackagesProvideEveryLibraryOfTheBinary) {
  if (!have("dpkg") || !have("apt-cache") || !have("ldd")) GTEST_SKIP() << "needs dpkg, apt-cache and ldd (Debian)";
  Outcome listed = run(quote((kRoot / "scripts/setup").string()) + " --list runtime");
  ASSERT_EQ(listed.status, 0) << listed.output;
  const std::vector<std::string> runtime = lines(listed.output);
  ASSERT_FALSE(runtime.empty());

  // What apt installs for the group: the packages and all they depend on.
  std::string args;
  for (const auto& p : runtime) args += " " + quote(p);
  Outcome deps = run("apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks "
                 "--no-replaces --no-enhances" + args);
  ASSERT_EQ(deps.status, 0) << deps.output;
  std::set<std::string> installed;
  for (const auto& line : lines(deps.output))
    if (line[0] != ' ' && line[0] != '<') installed.insert(line.substr(0, line.find(':')));
  // In every Debian image, debian:bookworm-slim included.
  for (const char* base : {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}) installed.insert(base);

  Outcome ldd = run("ldd " + quote(LT_BINARY));
  ASSERT_EQ(ldd.status, 0) << ldd.output;
  const std::regex resolved(R"(=> (/\S+) \(0x)");
  std::size_t libraries = 0;
  for (std::sregex_iterator it(ldd.output.begin(), ldd.output.end(), resolved), end; it != end; ++it) {
    const std::string lib = (*it)[1];
    const std::string pkg = package_of(lib);
    ++libraries;
    ASSERT_FALSE(pkg.empty()) << lib << " belongs to no Debian package; the image cannot install it";
    EXPECT_TRUE(installed.count(pkg)) << LT_BINARY << " loads " << lib << " from package " << pkg
                                      << ", which the \"runtime\" group of scripts/setup does not install";
  }
  EXPECT_GE(libraries, 8u) << ldd.output;
}

// The stages of the Dockerfile, each with its instructions (continuations joined).
std::vector<std::vector<std::string>> dockerfile_stages() {
  std::vector<std::vector<std::string>> stages;
  std::string joined;
  for (const auto& raw : lines(slurp(kRoot / "deploy/Dockerfile"))) {
    if (raw[0] == '#') continue;
    joined += raw;
    if (!joined.empty() && joined.back() == '\\') {
      joined.pop_back();
      continue;
    }
    if (joined.rfind("FROM ", 0) == 0) stages.emplace_back();
    if (!stages.empty()) stages.back().push_back(joined);
    joined.clear();
  }
  return stages;
}

bool any_of(const std::vector<std::string>& stage, const std::string& needle) {
  for (const auto& i : stage)
    if (i.find(needle) != std::string::npos) return true;
  return false;
}

TEST(Deploy, DockerfileBuildsLikeADevelopmentMachine) {
  const auto stages = dockerfile_stages();
  ASSERT_EQ(stages.size(), 2u) << "a build stage and a runtime stage";
  const auto& build = stages[0];
  const auto& runtime = stages[1];
  EXPECT_TRUE(any_of(build, "bookworm")) << build[0];
  EXPECT_TRUE(any_of(runtime, "FROM debian:bookworm-slim")) << runtime[0];
  // The same installer and build command as the tested path.
  EXPECT_TRUE(any_of(build, "LT_SETUP_GROUPS=build"));
  EXPECT_TRUE(any_of(build, "RUN scripts/setup"));
  EXPECT_TRUE(any_of(build, "make build"));
  EXPECT_TRUE(any_of(runtime, "LT_SETUP_GROUPS=runtime"));
  EXPECT_TRUE(any_of(runtime, "scripts/setup"));
  EXPECT_FALSE(any_of(runtime, "apt-get install")) << "runtime packages come from scripts/setup only";
  // Non-root, one binary, health from /healthz.
  EXPECT_TRUE(any_of(runtime, "USER logtracer"));
  EXPECT_TRUE(any_of(runtime, "COPY --from=build /logtracer /usr/local/bin/logtracer"));
  EXPECT_TRUE(any_of(runtime, "HEALTHCHECK") && any_of(runtime, "/healthz"));

  // Every COPY source from the build context exists (and is not excluded by .dockerignore).
  const std::string ignore = slurp(kRoot / ".dockerignore");
  const std::regex copy(R"(^COPY (?!--from)(.+) \S+$)");
  std::size_t copied = 0;
  for (const auto& stage : stages)
    for (const auto& i : stage) {
      std::smatch m;
      if (!std::regex_match(i, m, copy)) continue;
      std::stringstream sources(m[1].str());
      for (std::string src; sources >> src;) {
        ++copied;
        if (src == ".") continue;
        EXPECT_TRUE(fs::exists(kRoot / src)) << "COPY " << src << ": no such path in the repository";
        EXPECT_EQ(ignore.find("\n" + src + "\n"), std::string::npos) << src << " is in .dockerignore";
      }
    }
  EXPECT_GE(copied, 5u);
  EXPECT_NE(ignore.find("build/"), std::string::npos);
  EXPECT_NE(ignore.find("node_modules"), std::string::npos);
}

// The strings of a JSON array such as ["bash", "-c", "..."] (escapes \\ \" \n \r \t).
std::vector<std::string> json_strings(const std::string& text) {
  std::vector<std::string> out;
  bool in = false;
  std::string cur;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!in) {
      if (c == '"') in = true, cur.clear();
      continue;
    }
    if (c == '"') {
      out.push_back(cur);
      in = false;
    } else if (c == '\\' && i + 1 < text.size()) {
      const char n = text[++i];
      cur += n == 'n' ? '\n' : n == 'r' ? '\r' : n == 't' ? '\t' : n;
    } else {
      cur += c;
    }
  }
  return out;
}

TEST(Deploy, ImageHealthcheckAnswersForALiveDashboardOnly) {
  std::string healthcheck;
  for (const auto& stage : dockerfile_stages())
    for (const auto& i : stage)
      if (i.rfind("HEALTHCHECK", 0) == 0) healthcheck = i;
  const auto cmd = healthcheck.find(" CMD [");
  ASSERT_NE(cmd, std::string::npos) << "HEALTHCHECK ... CMD [\"...\"] expected: " << healthcheck;
  const std::vector<std::string> argv = json_strings(healthcheck.substr(cmd + 5));
  ASSERT_GE(argv.size(), 1u);
  std::string command;
  for (const auto& a : argv) command += " " + quote(a);

  char tmpl[] = "/tmp/lt-health-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string log = std::string(tmpl) + "/dashboard.log";
  int port = 0;
  {
    lt::testing::Child dashboard({"dashboard", "--no-kafka", "--listen", "127.0.0.1:0"}, log);
    const std::regex listening(R"(listening on http://127\.0\.0\.1:([0-9]+))");
    for (int i = 0; i < 200 && port == 0 && dashboard.running(); ++i) {
      std::smatch m;
      const std::string text = slurp(log);
      if (std::regex_search(text, m, listening)) port = std::stoi(m[1]);
      else std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GT(port, 0) << slurp(log);
    Outcome up = run("env LT_HEALTH_PORT=" + std::to_string(port) + command);
    EXPECT_EQ(up.status, 0) << "healthcheck of a live dashboard failed: " << up.output;
    dashboard.kill(SIGTERM);
    EXPECT_EQ(dashboard.wait(std::chrono::seconds(20)), 0) << slurp(log);
  }
  Outcome down = run("env LT_HEALTH_PORT=" + std::to_string(port) + command);
  EXPECT_NE(down.status, 0) << "healthcheck passes with nothing listening";
  std::error_code ec;
  fs::remove_all(tmpl, ec);
}

// `logtracer validate` of `file` with `env` set, as the service would start. The files it names
// are on another machine (the container, the systemd host), hence --no-file-checks.
Outcome validate(const fs::path& file, const std::vector<std::pair<std::string, std::string>>& env,
                 const std::string& flags = "--no-file-checks") {
  std::string command = "env";
  for (const auto& [k, v] : env) command += " " + quote(k + "=" + v);
  return run(command + " " + quote(LT_BINARY) + " validate " + flags + " " + quote(file.string()));
}

TEST(Deploy, ComposeMountsConfigsThatValidateWithItsEnvironment) {
  const fs::path compose_file = kRoot / "deploy/docker-compose.yml";
  YAML::Node compose = YAML::LoadFile(compose_file.string());
  YAML::Node services = compose["services"];
  ASSERT_TRUE(services.IsMap());

  YAML::Node kafka = services["kafka"];
  ASSERT_TRUE(kafka.IsMap());
  EXPECT_EQ(kafka["image"].as<std::string>(), "apache/kafka:3.9.1");
  EXPECT_EQ(kafka["environment"]["KAFKA_PROCESS_ROLES"].as<std::string>(), "broker,controller") << "KRaft mode";
  EXPECT_FALSE(kafka["environment"]["KAFKA_ZOOKEEPER_CONNECT"]);
  // Room for the consumers: at least as many partitions as replicas.
  ASSERT_TRUE(services["consumer"]);
  const int replicas = services["consumer"]["deploy"]["replicas"].as<int>();
  EXPECT_EQ(replicas, 3);
  EXPECT_GE(kafka["environment"]["KAFKA_NUM_PARTITIONS"].as<int>(), replicas);

  std::set<std::string> commands;
  for (const auto& entry : services) {
    const std::string name = entry.first.as<std::string>();
    if (name == "kafka") continue;
    YAML::Node svc = YAML::Clone(entry.second);
    // yaml-cpp 0.7 keeps `<<: *anchor` as a plain key: merge it by hand (own keys win).
    if (YAML::Node base = svc["<<"]) {
      for (const auto& kv : base)
        if (!svc[kv.first.as<std::string>()]) svc[kv.first.as<std::string>()] = kv.second;
      svc.remove("<<");
    }
    EXPECT_EQ(svc["build"]["dockerfile"].as<std::string>(""), "deploy/Dockerfile") << name;
    EXPECT_TRUE(fs::exists(compose_file.parent_path() / svc["build"]["context"].as<std::string>("?") /
                           "deploy/Dockerfile"))
        << name << ": build context";

    // host dir -> container dir, for the mounts that are directories of the repository.
    std::vector<std::pair<fs::path, std::string>> mounts;
    for (const auto& v : svc["volumes"]) {
      const std::string spec = v.as<std::string>();
      if (spec.rfind("../", 0) != 0 && spec.rfind("./", 0) != 0) continue;  // a named volume
      const auto colon = spec.find(':');
      const fs::path host = compose_file.parent_path() / spec.substr(0, colon);
      std::string target = spec.substr(colon + 1);
      target = target.substr(0, target.find(':'));
      EXPECT_TRUE(fs::is_directory(host)) << name << " mounts " << host << ", which does not exist";
      mounts.emplace_back(host, target);
    }

    std::vector<std::string> argv;
    for (const auto& a : svc["command"]) argv.push_back(a.as<std::string>());
    ASSERT_GE(argv.size(), 3u) << name;
    commands.insert(argv[0]);
    EXPECT_EQ(run(quote(LT_BINARY) + " " + argv[0] + " --help").status, 0) << name << ": " << argv[0];
    auto config = std::find(argv.begin(), argv.end(), "--config");
    ASSERT_NE(config, argv.end()) << name;
    ASSERT_NE(config + 1, argv.end()) << name;
    fs::path host_file;
    for (const auto& [host, target] : mounts)
      if ((config + 1)->rfind(target + "/", 0) == 0) host_file = host / (config + 1)->substr(target.size() + 1);
    ASSERT_FALSE(host_file.empty()) << name << ": " << *(config + 1) << " is not in a mounted directory";
    ASSERT_TRUE(fs::exists(host_file)) << name << ": " << host_file;

    std::vector<std::pair<std::string, std::string>> env;
    for (const auto& kv : svc["environment"]) env.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
    Outcome v = validate(host_file, env);
    EXPECT_EQ(v.status, 0) << name << ": " << v.output;
  }
  EXPECT_EQ(commands, (std::set<std::string>{"produce", "consume", "dashboard"}));
}

TEST(Deploy, SystemdUnitsVerifyAndAreHardened) {
  const fs::path units = kRoot / "deploy/systemd";
  const std::vector<std::string> names = {"logtracer-produce.service", "logtracer-consume@.service",
                                          "logtracer-dashboard.service"};
  char tmpl[] = "/tmp/lt-units-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  std::string verify_args;
  for (const auto& name : names) {
    const std::string text = slurp(units / name);
    ASSERT_FALSE(text.empty()) << name;
    for (const char* key : {"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                            "CapabilityBoundingSet=", "SystemCallFilter=@system-service", "KillSignal=SIGTERM"})
      EXPECT_NE(text.find(std::string("\n") + key), std::string::npos) << name << " lacks " << key;
    EXPECT_TRUE(text.find("\nDynamicUser=yes") != std::string::npos || text.find("\nUser=") != std::string::npos)
        << name << " runs as root";

    // The config it starts with is an example of config/ and validates with the unit's environment.
    std::smatch m;
    ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(\nExecStart=/usr/local/bin/logtracer (\w+) --config /etc/logtracer/(\S+))")))
        << name;
    std::vector<std::pair<std::string, std::string>> env;
    static const std::regex env_line(R"(\nEnvironment=(\w+)=(\S+))");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), env_line); it != std::sregex_iterator(); ++it)
      env.emplace_back((*it)[1], std::regex_replace((*it)[2].str(), std::regex("%i"), "9465"));
    Outcome v = validate(kRoot / "config" / m[2].str(), env);
    EXPECT_EQ(v.status, 0) << name << ": " << v.output;
    // The unit runs in its StateDirectory: a repository-relative path (the config's default for
    // a checkout) would not be found there, so every file it reads must be absolute.
    Outcome printed = validate(kRoot / "config" / m[2].str(), env, "--no-file-checks --print");
    static const std::regex file_key(R"(\n\s*(database|asn_database|file|cert_file|key_file|ca_file): (\S+))");
    for (auto it = std::sregex_iterator(printed.output.begin(), printed.output.end(), file_key);
         it != std::sregex_iterator(); ++it) {
      const std::string value = (*it)[2];
      if (value == "\"\"" || value == "''") continue;
      EXPECT_EQ(value.front(), '/') << name << ": " << (*it)[1] << " " << value << " is relative";
    }

    // systemd-analyze checks that the binary exists: point the copy at the real one.
    std::ofstream(dir / name) << std::regex_replace(text, std::regex("/usr/local/bin/logtracer"), LT_BINARY);
    verify_args += " " + quote((dir / (name == "logtracer-consume@.service" ? "logtracer-consume@9465.service" : name))
                                   .string());
  }
  if (have("systemd-analyze")) {
    // An unknown key is only a warning for systemd: any output counts as a failure here.
    Outcome r = run("cd " + quote(dir.string()) + " && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify" + verify_args);
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output, "") << r.output;
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (!have("systemd-analyze")) GTEST_SKIP() << "systemd-analyze is not installed; the units were not verified";
}

}  // namespace
