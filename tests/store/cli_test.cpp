// `switchboard pull / ls / rm / du` as a script runs them: against the loopback hub, with the
// cache and the endpoint from the environment, output in a pipe.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "store_test_support.hpp"

namespace switchboard::store_test {
namespace {

namespace fs = std::filesystem;

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class StoreCliTest : public StoreTest {
 protected:
  // Runs bin/switchboard through the shell with stdout and stderr going to files (not a terminal).
  CliResult run(const std::string& arguments, const std::string& extra_environment = "") {
    const fs::path out = cache_folder.path() / "out.txt";
    const fs::path err = cache_folder.path() / "err.txt";
    const std::string command = "env -u SWITCHBOARD_CATALOG -u HF_TOKEN -u HF_HUB_OFFLINE -u HF_HOME HF_ENDPOINT=" +
                                hub.endpoint() + " HF_HUB_CACHE=" + (cache_folder.path() / "hub").string() + " " +
                                extra_environment + " " + SWITCHBOARD_BUILD_DIR "/bin/switchboard --catalog " +
                                (cache_folder.path() / "catalog.yaml").string() + " " + arguments + " >" + out.string() +
                                " 2>" + err.string() + " </dev/null";
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out), read_file(err)};
  }

  void write_catalog(const std::string& yaml) { std::ofstream(cache_folder.path() / "catalog.yaml") << yaml; }

  void SetUp() override {
    write_catalog(
        "providers: { cpu: { plugin: local } }\n"
        "models:\n"
        "  tiny: { provider: cpu, source: \"hf:org/qwen2\" }\n"
        "  local-only: { provider: cpu, path: /nowhere }\n");
  }
};

TEST_F(StoreCliTest, PullPrintsTheFolderAndQuietLinesInAPipe) {
  const std::string commit = hub.add_repo("org/qwen2", fixture_model("qwen2"));
  const CliResult pulled = run("pull hf:org/qwen2");
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_EQ(pulled.out, (repo_folder("org/qwen2") / "snapshots" / commit).string() + "\n");
  EXPECT_EQ(pulled.err.find('\r'), std::string::npos) << "no redrawing in a pipe";
  EXPECT_EQ(pulled.err.find("\033["), std::string::npos) << "no terminal control in a pipe";
  EXPECT_LE(std::count(pulled.err.begin(), pulled.err.end(), '\n'), 3) << pulled.err;

  const CliResult listed = run("ls");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("hf:org/qwen2"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find(commit.substr(0, 12)), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("main"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("complete"), std::string::npos) << listed.out;

  const CliResult usage = run("du --json");
  ASSERT_EQ(usage.exit_code, 0) << usage.err;
  const auto json = nlohmann::json::parse(usage.out);
  EXPECT_EQ(json["repos"], 1);
  EXPECT_GT(json["bytes"].get<std::int64_t>(), 500000);
  EXPECT_EQ(json["per_repo"]["org/qwen2"], json["bytes"]);

  const CliResult removed = run("rm tiny");  // the catalog name of hf:org/qwen2
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_NE(removed.err.find("removed hf:org/qwen2"), std::string::npos) << removed.err;
  EXPECT_FALSE(fs::exists(repo_folder("org/qwen2")));
}

TEST_F(StoreCliTest, PullByCatalogNameUsesItsSource) {
  hub.add_repo("org/qwen2", fixture_model("qwen2"));
  const CliResult pulled = run("pull tiny");
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_TRUE(fs::exists(fs::path(pulled.out.substr(0, pulled.out.size() - 1)) / "config.json"));
}

TEST_F(StoreCliTest, FailuresHaveTheirExitCodes) {
  EXPECT_EQ(run("pull").exit_code, 2);
  EXPECT_EQ(run("pull hf:not-a-reference").exit_code, 2);
  const CliResult missing = run("pull hf:org/absent");
  EXPECT_EQ(missing.exit_code, 4);
  EXPECT_NE(missing.err.find("not_found"), std::string::npos) << missing.err;
  EXPECT_EQ(run("pull no-such-model").exit_code, 4);
  const CliResult not_hub = run("pull local-only");
  EXPECT_EQ(not_hub.exit_code, 2);
  EXPECT_NE(not_hub.err.find("no 'source: hf:...'"), std::string::npos) << not_hub.err;
  EXPECT_EQ(run("rm hf:org/never-pulled").exit_code, 4);
  const CliResult offline = run("pull hf:org/absent", "HF_HUB_OFFLINE=1");
  EXPECT_EQ(offline.exit_code, 4);
  EXPECT_NE(offline.err.find("HF_HUB_OFFLINE"), std::string::npos) << offline.err;
  write_catalog("hub: { cache: [1] }\n");
  const CliResult broken = run("ls");
  EXPECT_EQ(broken.exit_code, 3);
  EXPECT_NE(broken.err.find("catalog.yaml:1:15: hub.cache"), std::string::npos) << broken.err;
}

}  // namespace
}  // namespace switchboard::store_test
