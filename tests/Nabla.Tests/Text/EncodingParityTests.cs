using Nabla.Tests.Support;
using Nabla.Text;

namespace Nabla.Tests.Text;

/// <summary>Our gpt2, cl100k_base and o200k_base give the ids of the reference implementations, token for token.</summary>
public class EncodingParityTests
{
    public static TheoryData<string> Names => new() { "gpt2", "cl100k_base", "o200k_base" };

    private static BpeTokenizer Ours(string name) => Encodings.ByName(name);

    [SkippableTheory]
    [MemberData(nameof(Names))]
    public void Tinyshakespeare_whole_file_matches_ML_Tokenizers(string name)
    {
        string text = File.ReadAllText(TestData.Require("tinyshakespeare.txt"));
        int[] expected = References.Ml(name).EncodeToIds(text).ToArray();
        int[] actual = Ours(name).EncodeOrdinary(text);
        AssertSameIds(expected, actual, name);
    }

    [SkippableFact]
    public void Gpt2_splits_tinyshakespeare_into_the_known_token_counts()
    {
        // nanoGPT's shakespeare prepare.py: first 90 % of the characters for training, the rest for validation.
        string text = File.ReadAllText(TestData.Require("tinyshakespeare.txt"));
        int cut = (int)(text.Length * 0.9);
        Assert.Equal(301_966, Encodings.Gpt2.EncodeOrdinary(text.AsSpan(0, cut)).Length);
        Assert.Equal(36_059, Encodings.Gpt2.EncodeOrdinary(text.AsSpan(cut)).Length);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Stress_corpus_matches_a_reference_that_reads_code_points(string name)
    {
        foreach (string text in StressCorpus.Texts())
        {
            int[] expected = References.CodePointExact(name).EncodeToIds(text).ToArray();
            AssertSameIds(expected, Ours(name).EncodeOrdinary(text), $"{name} on '{StressCorpus.Escaped(StressCorpus.Describe(text))}'");
        }
    }

    [Fact]
    public void The_surrogate_pair_trap_is_real_ML_Tokenizers_as_shipped_differs_outside_the_BMP()
    {
        // .NET's Regex reads 𝐀 (U+1D400, a letter) as two surrogates, that is two symbols, so "𝐀's" is split
        // "𝐀'", "s" (a run of symbols) instead of the word "𝐀" and the contraction "'s".
        const string text = "𝐀's";
        int[] shipped = References.Ml("cl100k_base").EncodeToIds(text).ToArray();
        int[] codePoints = References.CodePointExact("cl100k_base").EncodeToIds(text).ToArray();
        Assert.NotEqual(shipped, codePoints);
        Assert.Equal(codePoints, Encodings.Cl100kBase.EncodeOrdinary(text));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Stress_corpus_inside_the_BMP_matches_ML_Tokenizers_as_shipped(string name)
    {
        foreach (string text in StressCorpus.Texts().Where(t => !StressCorpus.HasAstral(t)))
        {
            int[] expected = References.Ml(name).EncodeToIds(text).ToArray();
            AssertSameIds(expected, Ours(name).EncodeOrdinary(text), $"{name} on '{StressCorpus.Escaped(StressCorpus.Describe(text))}'");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Lone_surrogates_are_encoded_as_U_FFFD_like_tiktoken(string name)
    {
        foreach (string text in StressCorpus.LoneSurrogates)
        {
            // The code-point reference sees what tiktoken sees: the text with U+FFFD for each lone surrogate.
            int[] expected = References.CodePointExact(name).EncodeToIds(References.ReplaceLoneSurrogates(text)).ToArray();
            AssertSameIds(expected, Ours(name).EncodeOrdinary(text), $"{name} on '{StressCorpus.Escaped(text)}'");
        }
    }

    [Theory]
    [InlineData("r50k_base", "gpt2")]
    [InlineData("cl100k_base", "cl100k_base")]
    [InlineData("o200k_base", "o200k_base")]
    public void Lone_surrogates_match_SharpToken(string sharpName, string name)
    {
        var sharp = SharpToken.GptEncoding.GetEncoding(sharpName);
        foreach (string text in StressCorpus.LoneSurrogates)
            AssertSameIds(sharp.Encode(text).ToArray(), Ours(name).EncodeOrdinary(text), $"{name} on '{StressCorpus.Escaped(text)}'");
    }

    internal static void AssertSameIds(int[] expected, int[] actual, string what)
    {
        int n = Math.Min(expected.Length, actual.Length);
        for (int i = 0; i < n; i++)
            if (expected[i] != actual[i])
                Assert.Fail($"{what}: first difference at token {i}: expected {expected[i]}, got {actual[i]} " +
                            $"(expected [{string.Join(",", expected.Skip(Math.Max(0, i - 3)).Take(8))}], got [{string.Join(",", actual.Skip(Math.Max(0, i - 3)).Take(8))}])");
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} tokens, got {actual.Length}");
    }
}
