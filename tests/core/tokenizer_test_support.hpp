#pragma once
// Shared by the tokenizer tests: the shared tokenizer files decompressed into a scratch folder,
// and the committed texts with their reference ids.
#include "loftq/tokenizer.hpp"
#include "test_paths.hpp"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <map>

namespace loftq::test {

inline std::string tokenizerData(const std::string& name) { return sourceDir() + "/tests/data/tokenizers/" + name; }

// ../shared/tokenizers/NAME.xz decompressed to TO (xz-utils is part of every Debian system).
inline void unxzShared(const std::string& name, const std::string& to)
{
    QProcess xz;
    xz.setStandardOutputFile(QString::fromStdString(to));
    xz.start("xz", {"-dc", QString::fromStdString(sharedDir() + "/tokenizers/" + name + ".xz")});
    QVERIFY2(xz.waitForFinished(60000) && xz.exitCode() == 0, qPrintable("xz -dc " + QString::fromStdString(name)));
}

inline std::string readFileBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The texts make_tokenizer_reference.py encoded, by the name it gave each: the *.txt files and the
// cases of cases.json (a "hex" case is raw bytes, given to encode as they are).
inline std::map<std::string, std::string> referenceTexts()
{
    std::map<std::string, std::string> texts;
    for (const auto& entry : std::filesystem::directory_iterator(tokenizerData("")))
        if (entry.path().extension() == ".txt")
            texts[entry.path().filename().string()] = readFileBytes(entry.path().string());
    for (const auto& c : readJson(tokenizerData("cases.json"))) {
        std::string text;
        if (c.contains("hex")) {
            const auto hex = c["hex"].get<std::string>();
            for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
                text += char(std::stoi(hex.substr(i, 2), nullptr, 16));
        } else {
            text = c["text"].get<std::string>();
        }
        texts["cases.json:" + c["name"].get<std::string>()] = text;
    }
    return texts;
}

} // namespace loftq::test
