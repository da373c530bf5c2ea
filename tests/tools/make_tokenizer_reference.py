#!/usr/bin/env python3
"""Reference token ids for tests/core/test_tokenizer_reference.cpp, made with Hugging Face `tokenizers`.

Run where `tokenizers` (0.23) is installed (the GPU machine; CI has none):
  python3 make_tokenizer_reference.py --tokenizers DIR --texts tests/data/tokenizers --out OUT
DIR holds the shared tokenizer files (plain or .xz): spbpe32k-tokenizer.json, qwen3-tokenizer.json,
gpt2-tokenizer.json, gpt2-vocab.json + gpt2-merges.txt. For each tokenizer OUT/<name>.json lists, per
text, the ids with and without special tokens and the decoded text (skip_special_tokens True, the
library's default). The texts are every *.txt in --texts plus each entry of cases.json; a case given
as "hex" is bytes that are not all valid UTF-8: Python decodes them with errors="replace" (each
maximal invalid subsequence becomes U+FFFD) before `tokenizers` sees them, as a file read with
errors="replace" would be. With --train it also trains a small WordPiece and a small Unigram
tokenizer.json on the texts (tokenizers the workbench must refuse by name).
"""
import argparse
import glob
import json
import lzma
import os
import tempfile
import time

import tokenizers
from tokenizers import Tokenizer, ByteLevelBPETokenizer, models, pre_tokenizers, trainers


def read_shared(folder, name, scratch):
    """Path of a plain copy of a shared file (decompressing NAME.xz into scratch if needed)."""
    plain = os.path.join(folder, name)
    if os.path.exists(plain):
        return plain
    out = os.path.join(scratch, name)
    with lzma.open(plain + ".xz") as f, open(out, "wb") as g:
        g.write(f.read())
    return out


def load_texts(folder):
    texts = []
    for path in sorted(glob.glob(os.path.join(folder, "*.txt"))):
        with open(path, "rb") as f:
            texts.append((os.path.basename(path), f.read().decode("utf-8", errors="replace")))
    with open(os.path.join(folder, "cases.json"), encoding="utf-8") as f:
        for case in json.load(f):
            text = bytes.fromhex(case["hex"]).decode("utf-8", errors="replace") if "hex" in case else case["text"]
            texts.append(("cases.json:" + case["name"], text))
    return texts


def reference(tokenizer, texts):
    entries = []
    for name, text in texts:
        with_special = tokenizer.encode(text, add_special_tokens=True).ids
        without = tokenizer.encode(text, add_special_tokens=False).ids
        entries.append({"text": name, "with_special": with_special, "without_special": without,
                        "decoded": tokenizer.decode(with_special)})
    return entries


def speed(tokenizer, texts):
    """MB/s of one-text-at-a-time encoding over ~4 MB, for comparison with bench_tokenizer."""
    body = "".join(t for _, t in texts)
    big = body * max(1, (4 << 20) // len(body.encode()))
    start = time.perf_counter()
    tokenizer.encode(big, add_special_tokens=False)
    return len(big.encode()) / (time.perf_counter() - start) / 1e6


def train(texts, out):
    corpus = [t for _, t in texts]
    wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wordpiece.pre_tokenizer = pre_tokenizers.Whitespace()
    wordpiece.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=300, special_tokens=["[UNK]"]))
    wordpiece.save(os.path.join(out, "wordpiece-tokenizer.json"))
    unigram = Tokenizer(models.Unigram())
    unigram.pre_tokenizer = pre_tokenizers.Metaspace()
    unigram.train_from_iterator(corpus, trainers.UnigramTrainer(vocab_size=300, special_tokens=["<unk>"], unk_token="<unk>"))
    unigram.save(os.path.join(out, "unigram-tokenizer.json"))
    train_sentencepiece(texts, out)


def train_sentencepiece(texts, out):
    """A small tokenizer.model (SentencePiece BPE with byte fallback) and the ids the sentencepiece
    library gives for each text, BOS first for add_special_tokens (as transformers' Llama tokenizer)."""
    import sentencepiece as spm
    prefix = os.path.join(out, "sentencepiece")
    spm.SentencePieceTrainer.train(sentence_iterator=iter([line for _, text in texts[:3] for line in text.splitlines() if line]),
                                   model_prefix=prefix, vocab_size=1000, model_type="bpe", byte_fallback=True,
                                   character_coverage=1.0, minloglevel=2)
    os.replace(prefix + ".model", os.path.join(out, "sentencepiece-tokenizer.model"))
    os.remove(prefix + ".vocab")
    processor = spm.SentencePieceProcessor(model_file=os.path.join(out, "sentencepiece-tokenizer.model"))
    entries = []
    for name, text in texts:
        ids = processor.encode(text)
        entries.append({"text": name, "with_special": [processor.bos_id()] + ids, "without_special": ids,
                        "decoded": processor.decode(ids)})
    with open(os.path.join(out, "sentencepiece.json"), "w", encoding="utf-8") as f:
        json.dump({"tokenizer": "sentencepiece", "sentencepiece_version": spm.__version__, "texts": entries}, f)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokenizers", required=True)
    parser.add_argument("--texts", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--train", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    texts = load_texts(args.texts)
    with tempfile.TemporaryDirectory() as scratch:
        shared = lambda name: read_shared(args.tokenizers, name, scratch)
        forms = {
            "spbpe32k": lambda: Tokenizer.from_file(shared("spbpe32k-tokenizer.json")),
            "qwen3": lambda: Tokenizer.from_file(shared("qwen3-tokenizer.json")),
            "gpt2": lambda: Tokenizer.from_file(shared("gpt2-tokenizer.json")),
            "gpt2-two-file": lambda: ByteLevelBPETokenizer(shared("gpt2-vocab.json"), shared("gpt2-merges.txt")),
        }
        for name, load in forms.items():
            tokenizer = load()
            entries = reference(tokenizer, texts)
            with open(os.path.join(args.out, name + ".json"), "w", encoding="utf-8") as f:
                json.dump({"tokenizer": name, "tokenizers_version": tokenizers.__version__, "texts": entries}, f)
            count = sum(len(e["with_special"]) + len(e["without_special"]) for e in entries)
            print(f"{name}: {len(entries)} texts, {count} ids; HF encode {speed(tokenizer, texts):.1f} MB/s", flush=True)
    if args.train:
        train(texts, args.out)
    # What Python does with text that is not valid UTF-8: str cannot hold raw bytes, so a caller
    # decodes first; a lone surrogate (errors="surrogateescape") is refused by the library.
    try:
        ByteLevelBPETokenizer().encode("a\udc80b")
        print("surrogateescape text: accepted")
    except Exception as e:  # noqa: BLE001 - the message is the finding
        print("surrogateescape text: refused:", type(e).__name__, str(e)[:200])


if __name__ == "__main__":
    main()
