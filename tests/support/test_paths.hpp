#pragma once
// Where tests find their inputs. Paths come from CMake (tests/CMakeLists.txt).
#include <QString>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace loftq::test {

inline std::string sourceDir() { return LOFTQ_SOURCE_DIR; }
inline std::string fixture(const std::string& name) { return sourceDir() + "/tests/fixtures/" + name; }
inline std::string oracleDir() { return sourceDir() + "/tests/oracle"; }
inline std::string demoModel() { return sourceDir() + "/resources/demo/pico-llama-2L"; }
// shared/ (pico-llama, the PyTorch reference cases, checkpoints written by transformers) lies
// beside the checkout; CI has it read-only. A test that needs it fails when it is missing, never
// skips: a skipped check passes CI with nothing checked.
inline std::string sharedDir() { return LOFTQ_SHARED_DIR; }
inline std::string sharedPath(const std::string& relative) { return sharedDir() + "/" + relative; }
inline std::string picoLlama() { return sharedPath("models/pico-llama"); }
inline std::string sharedFixture(const std::string& name) { return sharedPath("fixtures/" + name); }
inline std::string sharedReference() { return sharedPath("reference"); }
// Empty when `path` exists, else the message the test fails with.
inline QString missingShared(const std::string& path)
{
    if (std::filesystem::exists(path))
        return {};
    return QString::fromStdString(path + " is missing: the tests need the shared/ folder beside the checkout "
                                         "(or configure with -DLOFTQ_SHARED_DIR=<its path>)");
}
inline std::string binDir() { return LOFTQ_BIN_DIR; }
// The oracle needs numpy, which Debian's python3 has (python3-numpy, scripts/packages.txt).
inline QString systemPython() { return QStringLiteral("/usr/bin/python3"); }

inline nlohmann::json readJson(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return nlohmann::json::parse(ss.str());
}

} // namespace loftq::test

// In a test slot: fail, naming the path and the fix, when shared/ lacks `path`.
#define LOFTQ_REQUIRE_SHARED(path) QVERIFY2(loftq::test::missingShared(path).isEmpty(), \
                                            qPrintable(loftq::test::missingShared(path)))
