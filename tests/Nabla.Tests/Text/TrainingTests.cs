using Nabla.Tests.Support;
using Nabla.Text;

namespace Nabla.Tests.Text;

public class TrainingTests
{
    private const string English =
        "The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs away, and the dog wakes up.\n" +
        "It's a truth universally acknowledged that a single man in possession of a good fortune must be in want of a wife.\n" +
        "We'll see what they've done: 12345 apples, 678 pears, and 9 plums!\n";

    [Fact]
    public void Classic_example_aaabdaaabac_with_three_merges()
    {
        var tokenizer = BpeTrainer.Train("aaabdaaabac", 256 + 3, pattern: null);
        Assert.Equal([258, 100, 258, 97, 99], tokenizer.EncodeOrdinary("aaabdaaabac"));
        Assert.Equal("aaabdaaabac", tokenizer.Decode([258, 100, 258, 97, 99]));
    }

    [Fact]
    public void Ties_go_to_the_smallest_pair_not_the_first_seen()
    {
        // Every pair occurs once; minbpe would merge (c, d), seen first. Nabla merges the smallest pair, (a, b).
        var tokenizer = BpeTrainer.Train("cdab", 257, pattern: null);
        Assert.Equal((97, 98), tokenizer.Merges[0]);
        // Among equal counts, the lower left id wins, then the lower right id.
        tokenizer = BpeTrainer.Train("zb za zb za", 257, pattern: null);
        Assert.Equal(((int)' ', (int)'z'), tokenizer.Merges[0]);
    }

    [Fact]
    public void Incremental_counting_learns_the_same_merges_as_recounting_everything()
    {
        string text = English + string.Join("\n", StressCorpus.Pieces);
        foreach (string? pattern in new[] { Patterns.Cl100k, Patterns.Gpt2, Patterns.O200k, null })
        {
            var fast = BpeTrainer.Train(text, 256 + 150, pattern);
            var slow = NaiveTrainer.Train(fast.Split(text), 150);
            Assert.Equal(slow, fast.Merges.ToArray());
        }
    }

    [Fact]
    public void Training_never_merges_across_chunks_or_special_tokens()
    {
        var tokenizer = BpeTrainer.Train("ab<|sep|>ab<|sep|>ab cd cd cd", 256 + 10 + 1, Patterns.Gpt2, ["<|sep|>"]);
        foreach (var (left, right) in tokenizer.Merges)
        {
            string merged = tokenizer.Decode([left, right]);
            Assert.DoesNotContain("<|", merged);
            Assert.DoesNotContain("b ", merged); // a chunk never ends in a space followed by more
        }
        // Only 3 merges exist in so little text (" c", ab, " cd"): training stops there, the special comes next.
        Assert.Equal(3, tokenizer.Merges.Count);
        Assert.Equal(256 + 3, tokenizer.SpecialTokens["<|sep|>"]);
        Assert.Equal(256 + 3 + 1, tokenizer.VocabSize);
    }

    [Fact]
    public void Saved_and_loaded_tokenizer_is_identical()
    {
        string text = English + string.Join("\n", StressCorpus.Pieces);
        var trained = BpeTrainer.Train(text, 256 + 300 + 2, Patterns.Cl100k, ["<|endoftext|>", "<|pad|>"]);
        string prefix = Path.Combine(Path.GetTempPath(), $"nabla-bpe-{Guid.NewGuid():N}");
        try
        {
            trained.Save(prefix);
            var loaded = BpeTokenizer.Load(prefix + ".model");
            Assert.Equal(trained.Merges.ToArray(), loaded.Merges.ToArray());
            Assert.Equal(trained.Pattern, loaded.Pattern);
            Assert.Equal(trained.SpecialTokens.OrderBy(p => p.Key), loaded.SpecialTokens.OrderBy(p => p.Key));
            Assert.Equal(trained.VocabSize, loaded.VocabSize);
            string probe = text + "<|endoftext|> tail <|pad|>";
            Assert.Equal(trained.Encode(probe, AllowedSpecial.All), loaded.Encode(probe, AllowedSpecial.All));

            string[] vocab = File.ReadAllLines(prefix + ".vocab");
            Assert.Equal(trained.VocabSize, vocab.Length);
            Assert.Equal("[a] 97", vocab[97]);
            var (left, right) = trained.Merges[0];
            Assert.Equal($"[{BpeModelFile.Render(trained.TokenBytes(left))}][{BpeModelFile.Render(trained.TokenBytes(right))}] -> " +
                         $"[{BpeModelFile.Render(trained.TokenBytes(256))}] 256", vocab[256]);
        }
        finally
        {
            File.Delete(prefix + ".model");
            File.Delete(prefix + ".vocab");
        }
    }

    [Fact]
    public void A_pattern_without_a_hand_written_splitter_runs_on_dotnet_regex()
    {
        var tokenizer = BpeTrainer.Train("one two three one two three", 256 + 5, @"\w+|\s+");
        Assert.Equal(["one", " ", "two", " ", "three"], tokenizer.Split("one two three"));
        Assert.Equal("one two three", tokenizer.Decode(tokenizer.EncodeOrdinary("one two three")));
    }

    [SkippableFact]
    public void Vocab_512_with_the_GPT4_pattern_round_trips_tinyshakespeare()
    {
        string text = File.ReadAllText(TestData.Require("tinyshakespeare.txt"));
        var tokenizer = BpeTrainer.Train(text, 512, Patterns.Cl100k);
        Assert.Equal(512, tokenizer.VocabSize);
        int[] ids = tokenizer.EncodeOrdinary(text);
        Assert.True(ids.Length < text.Length / 2, $"512 tokens should at least halve the length: {ids.Length} tokens for {text.Length} characters");
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void Too_small_a_vocabulary_is_an_error()
    {
        var error = Assert.Throws<ArgumentException>(() => BpeTrainer.Train("abc", 256, null, ["<|x|>"]));
        Assert.Contains("below 256 bytes + 1 special", error.Message);
    }

    /// <summary>The textbook algorithm, with nothing clever: count every pair of every chunk, merge the best, repeat.</summary>
    private static class NaiveTrainer
    {
        public static (int, int)[] Train(IReadOnlyList<string> chunks, int mergeCount)
        {
            var words = chunks.Select(c => System.Text.Encoding.UTF8.GetBytes(c).Select(b => (int)b).ToList()).ToList();
            var merges = new List<(int, int)>();
            for (int m = 0; m < mergeCount; m++)
            {
                var counts = new Dictionary<(int, int), int>();
                foreach (var word in words)
                    for (int i = 0; i + 1 < word.Count; i++)
                        counts[(word[i], word[i + 1])] = counts.GetValueOrDefault((word[i], word[i + 1])) + 1;
                if (counts.Count == 0) break;
                var best = counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key.Item1).ThenBy(p => p.Key.Item2).First().Key;
                merges.Add(best);
                foreach (var word in words)
                    for (int i = 0; i + 1 < word.Count; i++)
                        if (word[i] == best.Item1 && word[i + 1] == best.Item2) { word[i] = 256 + m; word.RemoveAt(i + 1); }
            }
            return merges.ToArray();
        }
    }
}
