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
inline std::string sharedDir() { return LOFTQ_SHARED_DIR; }
inline std::string picoLlama() { return sharedDir() + "/models/pico-llama"; }
inline std::string binDir() { return LOFTQ_BIN_DIR; }
// The oracle needs numpy, which Debian's python3 has (scripts/setup.sh installs python3-numpy).
inline QString systemPython() { return QStringLiteral("/usr/bin/python3"); }

inline nlohmann::json readJson(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return nlohmann::json::parse(ss.str());
}

} // namespace loftq::test
