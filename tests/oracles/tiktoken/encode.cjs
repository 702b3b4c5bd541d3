// Encodes texts with tiktoken's Rust core (the npm `tiktoken` package, compiled to WebAssembly), for the
// encoding parity tests. Reads one JSON object from stdin, {"encodings": [names], "texts": [strings]}, and
// writes {"name": [[ids of text 0], [ids of text 1], ...], ...} to stdout. No special tokens are matched
// (encode_ordinary). A lone surrogate reaches the core as U+FFFD (JavaScript's UTF-8 encoder replaces it).
//
// The ranks are the package's; the split patterns are the ones tiktoken's Python package passes to the same
// core today (tiktoken_ext/openai_public.py), which end a text's trailing whitespace with `\s++$`. The
// package's own rank files carry older forms of these patterns.
"use strict";
const fs = require("fs");
const { Tiktoken } = require("tiktoken/lite");

const patterns = {
  gpt2: String.raw`'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s`,
  cl100k_base: String.raw`'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`,
  o200k_base: [
    String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
    String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
    String.raw`\p{N}{1,3}`,
    String.raw` ?[^\s\p{L}\p{N}]+[\r\n/]*`,
    String.raw`\s*[\r\n]+`,
    String.raw`\s+(?!\S)`,
    String.raw`\s+`,
  ].join("|"),
};

const request = JSON.parse(fs.readFileSync(0, "utf8"));
const result = {};
for (const name of request.encodings) {
  if (!(name in patterns)) throw new Error(`unknown encoding '${name}' (known: ${Object.keys(patterns).join(", ")})`);
  const data = require(`tiktoken/encoders/${name}.json`);
  const encoder = new Tiktoken(data.bpe_ranks, data.special_tokens, patterns[name]);
  result[name] = request.texts.map((text) => Array.from(encoder.encode_ordinary(text)));
  encoder.free();
}
process.stdout.write(JSON.stringify(result));
