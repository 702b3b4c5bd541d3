#:project ../src/Nabla/Nabla.csproj
// Lesson 8 — the GPT tokenizer: byte-pair encoding from first principles, then the real GPT-2 and GPT-4 encodings.
// Run from the repository root:  dotnet run lessons/08-tokenizer.cs
//
// The path of Karpathy's lecture "Let's build the GPT Tokenizer":
//   1. Unicode and UTF-8: text is code points, code points are bytes;
//   2. the BPE algorithm by hand on a small text: count pairs, merge the most frequent, repeat;
//   3. training a vocabulary on a real text, and what it buys (shorter sequences);
//   4. the GPT-2 and GPT-4 split patterns, and why they exist;
//   5. special tokens, and why they are refused unless allowed;
//   6. GPT-4's cl100k_base rebuilt from merges + a byte permutation (minbpe's reconstruction).
// The library code: src/Nabla/Text (BpeTrainer.cs, Bpe/BytePairModel.cs, Splitting/*.cs, MergeRecovery.cs).
using System.Globalization;
using System.Text;
using Nabla.Data;
using Nabla.Text;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
int mismatches = 0;

// ---- 1. Unicode and UTF-8 ----------------------------------------------------------------------------
// A string is a sequence of code points (about 150,000 are assigned): far too many, and too many still
// unknown, to be a vocabulary. UTF-8 writes each as 1 to 4 bytes; 256 byte values can spell anything.
string hello = "héllo 👋 안녕";
Console.WriteLine("1. Unicode and UTF-8");
Console.WriteLine($"   text:        {hello}");
Console.WriteLine($"   code points: {string.Join(" ", hello.EnumerateRunes().Select(r => $"U+{r.Value:X4}"))}");
byte[] utf8 = Encoding.UTF8.GetBytes(hello);
Console.WriteLine($"   UTF-8 bytes: {string.Join(" ", utf8.Select(b => b.ToString("X2")))}  ({utf8.Length} bytes for {hello.EnumerateRunes().Count()} code points)");
Check("UTF-8 round trip", hello, Encoding.UTF8.GetString(utf8));

// ---- 2. BPE by hand on a small text ------------------------------------------------------------------
// Start from the bytes. Count every adjacent pair, give the most frequent one a new id (256, 257, ...), replace
// it everywhere, repeat. Each merge shortens the sequence; the merges, in order, ARE the tokenizer.
Console.WriteLine();
Console.WriteLine("2. byte-pair encoding, step by step, on \"aaabdaaabac\"");
var ids = Encoding.UTF8.GetBytes("aaabdaaabac").Select(b => (int)b).ToList();
var handMerges = new List<(int, int)>();
for (int step = 0; step < 3; step++)
{
    var counts = new Dictionary<(int, int), int>();
    for (int i = 0; i + 1 < ids.Count; i++) counts[(ids[i], ids[i + 1])] = counts.GetValueOrDefault((ids[i], ids[i + 1])) + 1;
    // The most frequent pair; a tie goes to the smallest pair (Nabla's rule: it does not depend on text order).
    var best = counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key.Item1).ThenBy(p => p.Key.Item2).First();
    int newId = 256 + step;
    for (int i = 0; i + 1 < ids.Count; i++)
        if (ids[i] == best.Key.Item1 && ids[i + 1] == best.Key.Item2) { ids[i] = newId; ids.RemoveAt(i + 1); }
    handMerges.Add(best.Key);
    Console.WriteLine($"   merge {best.Key} (seen {best.Value}x) -> {newId}:  [{string.Join(", ", ids)}]");
}
var trainedSmall = BpeTrainer.Train("aaabdaaabac", 256 + 3, pattern: null);
Check("hand merges = BpeTrainer merges", string.Join(" ", handMerges), string.Join(" ", trainedSmall.Merges));
Check("encoding", "258 100 258 97 99", string.Join(" ", trainedSmall.EncodeOrdinary("aaabdaaabac")));

// ---- 3. Training a vocabulary ------------------------------------------------------------------------
// The trainer counts each distinct chunk once (weighted by how often it occurs) and, after each merge, updates
// only the counts of pairs that changed: thousands of merges in well under a second.
Console.WriteLine();
string? shakespearePath = Datasets.TryFindLocal("tinyshakespeare.txt");
string corpus = shakespearePath is not null ? File.ReadAllText(shakespearePath)
    : string.Concat(Enumerable.Repeat("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n", 200));
Console.WriteLine($"3. training on {(shakespearePath is not null ? "tinyshakespeare.txt" : "a built-in paragraph (set NABLA_DATA_DIR for tinyshakespeare)")}, {corpus.Length:N0} characters");
var clock = System.Diagnostics.Stopwatch.StartNew();
BpeTokenizer trained = BpeTrainer.Train(corpus, 512, Patterns.Cl100k);
Console.WriteLine($"   vocab 512 (256 bytes + {trained.Merges.Count} merges) learned in {clock.Elapsed.TotalSeconds:F2} s; the first ten merges:");
for (int i = 0; i < 10; i++)
{
    var (left, right) = trained.Merges[i];
    Console.WriteLine($"   {256 + i}: '{Show(trained, left)}' + '{Show(trained, right)}' -> '{Show(trained, 256 + i)}'");
}
int[] corpusIds = trained.EncodeOrdinary(corpus);
int corpusBytes = Encoding.UTF8.GetByteCount(corpus);
Console.WriteLine($"   {corpusBytes:N0} bytes -> {corpusIds.Length:N0} tokens: {(double)corpusBytes / corpusIds.Length:F2} bytes per token");
Check("trained tokenizer round-trips the corpus", corpus, trained.Decode(corpusIds));

// ---- 4. Split patterns -------------------------------------------------------------------------------
// Without a split, BPE would learn "dog." "dog!" "dog?" as separate tokens and merge across words. GPT-2 cuts the
// text first (letters, numbers, punctuation, whitespace; " dog" keeps its space), and merges never cross a cut.
// GPT-4 also caps numbers at three digits and matches "'S" as well as "'s"; GPT-4o splits CamelCase.
Console.WriteLine();
Console.WriteLine("4. split patterns");
string sample = "Hello world's 12345 DON'T   stop\n\nCamelCase";
foreach (var (name, encoding) in new[] { ("gpt2", Encodings.Gpt2), ("cl100k", Encodings.Cl100kBase), ("o200k", Encodings.O200kBase) })
{
    Console.WriteLine($"   {name,-7} {string.Join("|", encoding.Split(sample).Select(c => c.Replace("\n", "\\n")))}");
    Check($"{name} chunks cover the text", sample, string.Concat(encoding.Split(sample)));
}
Check("GPT-2 reads 12345 as one number", "True", Encodings.Gpt2.Split(sample).Contains(" 12345").ToString());
Check("GPT-4 cuts it in threes", "True", Encodings.Cl100kBase.Split(sample).Contains("123").ToString());
int[] gpt2Ids = Encodings.Gpt2.EncodeOrdinary(sample), gpt4Ids = Encodings.Cl100kBase.EncodeOrdinary(sample);
Console.WriteLine($"   tokens: gpt2 {gpt2Ids.Length}, cl100k {gpt4Ids.Length}, o200k {Encodings.O200kBase.EncodeOrdinary(sample).Length}");
Console.WriteLine($"   gpt2:   {string.Join(" ", gpt2Ids)}");

// ---- 5. Special tokens -------------------------------------------------------------------------------
// <|endoftext|> separates documents in training. If user text could produce it, a user could end a document
// or confuse a model, so it is an error unless the caller allows it.
Console.WriteLine();
Console.WriteLine("5. special tokens");
string withSpecial = "end of one story<|endoftext|>start of another";
try
{
    Encodings.Gpt2.Encode(withSpecial);
    Check("refused by default", "an exception", "no exception");
}
catch (ArgumentException e)
{
    Console.WriteLine($"   not allowed: {e.Message[..e.Message.IndexOf(';')]}");
}
int[] allowed = Encodings.Gpt2.Encode(withSpecial, AllowedSpecial.All);
Console.WriteLine($"   allowed:     ... {string.Join(" ", allowed.Skip(3).Take(3))} ...  (50256 is <|endoftext|>)");
Check("the special id appears once", "1", allowed.Count(id => id == 50256).ToString());
Check("as plain text it is several ordinary tokens", "0", Encodings.Gpt2.EncodeOrdinary(withSpecial).Count(id => id == 50256).ToString());

// ---- 6. GPT-4's tokenizer, rebuilt from merges -------------------------------------------------------
// tiktoken ships cl100k as 100,256 tokens ranked by merge order, not as merges. Running BPE on each token's bytes
// with only the earlier tokens stops at exactly two pieces: the merge that made it. cl100k's 256 single bytes are
// not numbered in byte order, so the bytes are permuted first. Merges + permutation = cl100k, token for token.
Console.WriteLine();
Console.WriteLine("6. cl100k_base rebuilt from recovered merges");
clock.Restart();
RecoveredMerges recovered = RecoveredMerges.From(Encodings.Cl100kBase);
BpeTokenizer rebuilt = recovered.ToTokenizer();
Console.WriteLine($"   {recovered.Merges.Length:N0} merges recovered in {clock.Elapsed.TotalSeconds:F2} s");
Console.WriteLine($"   byte shuffle: 'a' (0x61) -> {recovered.ByteShuffle['a']}, ' ' (0x20) -> {recovered.ByteShuffle[' ']}, 0x00 -> {recovered.ByteShuffle[0]}");
for (int i = 0; i < 3; i++)
{
    var (left, right) = recovered.Merges[i];
    Console.WriteLine($"   merge {i}: '{Show(Encodings.Cl100kBase, left)}' + '{Show(Encodings.Cl100kBase, right)}' -> '{Show(Encodings.Cl100kBase, 256 + i)}'");
}
string probe = corpus.Length > 200_000 ? corpus[..200_000] : corpus;
int[] original = Encodings.Cl100kBase.EncodeOrdinary(probe), fromMerges = rebuilt.EncodeOrdinary(probe);
Console.WriteLine($"   {original.Length:N0} tokens from cl100k_base, {fromMerges.Length:N0} from the rebuilt tokenizer");
Check("rebuilt cl100k = cl100k", string.Join(",", original), string.Join(",", fromMerges));

Console.WriteLine();
Console.WriteLine(mismatches == 0 ? "every check passed" : $"{mismatches} check(s) FAILED");
return mismatches == 0 ? 0 : 1;

static string Show(BpeTokenizer tokenizer, int id) => BpeModelFile.Render(tokenizer.TokenBytes(id));

void Check(string what, string expected, string actual)
{
    if (expected == actual) return;
    mismatches++;
    Console.WriteLine($"   MISMATCH {what}: expected '{Trim(expected)}', got '{Trim(actual)}'");
    static string Trim(string s) => s.Length > 80 ? s[..80] + "…" : s;
}
