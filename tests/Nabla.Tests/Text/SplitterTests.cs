using Nabla.Text;
using Nabla.Text.Splitting;

namespace Nabla.Tests.Text;

public class SplitterTests
{
    [Theory]
    [InlineData(@"a++b", @"(?>a+)b")]
    [InlineData(@"\p{L}++", @"(?>\p{L}+)")]
    [InlineData(@"[^\r\n\p{L}]?+x", @"(?>[^\r\n\p{L}]?)x")]
    [InlineData(@"(ab|c)*+", @"(?>(ab|c)*)")]
    [InlineData(@"\p{N}{1,3}+", @"(?>\p{N}{1,3})")]
    [InlineData(@"a+b*?c", @"a+b*?c")]
    [InlineData(@"[+]+", @"[+]+")]
    public void Possessive_quantifiers_become_atomic_groups(string pattern, string expected) =>
        Assert.Equal(expected, RegexSplitter.WithoutPossessives(pattern));

    /// <summary>The hand-written splitters against .NET's Regex running the very same patterns (possessives
    /// rewritten), on text inside the BMP where .NET's Regex reads characters correctly.</summary>
    [Theory]
    [InlineData("gpt2")]
    [InlineData("cl100k")]
    [InlineData("o200k")]
    public void Hand_written_splitters_cut_like_the_regex_inside_the_BMP(string name)
    {
        string pattern = name switch { "gpt2" => Patterns.Gpt2, "cl100k" => Patterns.Cl100k, _ => Patterns.O200k };
        var regex = new RegexSplitter(pattern);
        var handWritten = ChunkSplitter.ForPattern(pattern);
        Assert.IsNotType<RegexSplitter>(handWritten);
        foreach (string text in StressCorpus.Texts().Where(t => !StressCorpus.HasAstral(t)))
            Assert.Equal(Chunks(regex, text), Chunks(handWritten, text));
    }

    [Fact]
    public void Minbpe_GPT4_pattern_with_possessives_runs_as_a_user_pattern()
    {
        const string minbpeGpt4 = @"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+";
        var tokenizer = BpeTrainer.Train(string.Join("\n", StressCorpus.Pieces), 256 + 50, minbpeGpt4);
        string text = "Hello world's 12345 DON'T stop\n\nnow";
        Assert.Equal(Encodings.Cl100kBase.Split(text), tokenizer.Split(text));
    }

    private static List<string> Chunks(ChunkSplitter splitter, string text)
    {
        var chunks = new List<string>();
        for (int position = 0; splitter.TryNextChunk(text, position, out int start, out int end); position = end)
            chunks.Add(text[start..end]);
        return chunks;
    }
}
