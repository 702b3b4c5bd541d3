using CsCheck;
using Nabla.Text;

namespace Nabla.Tests.Text;

/// <summary>
/// A byte tokenizer must give back every text it is given, whatever its split pattern: text a user pattern
/// does not match becomes chunks of its own instead of being dropped. Random text from every plane, for
/// tokenizers trained with each kind of pattern, and the chunks always add up to the text.
/// </summary>
public class PatternRoundTripTests
{
    public static TheoryData<string> PatternNames => new()
    {
        "none", "gpt2", "gpt4", "gpt4o",
        "[a-z]+", "x*", @"\d", "(a+)+$|.", @"\p{L}+|\p{N}", @"(?<=a)b+|\s++", "^...", "$",
        @"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+",
    };

    [Theory]
    [MemberData(nameof(PatternNames))]
    public void Decode_of_Encode_is_the_identity_for_every_pattern(string name)
    {
        string? pattern = Patterns.Resolve(name);
        var tokenizer = BpeTrainer.Train(string.Join("\n", StressCorpus.Pieces), 256 + 60, pattern);
        TokenizerApiTests.AnyText.Sample(text =>
        {
            Assert.Equal(text, string.Concat(tokenizer.Split(text)));
            Assert.Equal(text, tokenizer.Decode(tokenizer.EncodeOrdinary(text)));
        }, iter: 300);
    }

    [Fact]
    public void Decode_of_Encode_is_the_identity_for_a_character_tokenizer()
    {
        TokenizerApiTests.AnyText.Sample(text =>
        {
            var tokenizer = CharTokenizer.FromText(text);
            Assert.Equal(text, tokenizer.Decode(tokenizer.EncodeOrdinary(text)));
        }, iter: 300);
    }

    [Fact]
    public void Uncovered_text_is_its_own_chunk()
    {
        var tokenizer = BpeTrainer.Train("hello world", 256, "[a-z]+");
        Assert.Equal(["H", "ello", ", W", "orld", "! 123"], tokenizer.Split("Hello, World! 123").ToArray());
    }

    [Fact]
    public void A_chunk_never_ends_inside_a_surrogate_pair()
    {
        var tokenizer = BpeTrainer.Train("x", 256, ".");
        Assert.Equal(["𝐀", "a", "😀"], tokenizer.Split("𝐀a😀").ToArray());
    }

    [Fact]
    public void A_backtracking_pattern_gives_up_after_its_timeout_naming_itself()
    {
        var splitter = new Nabla.Text.Splitting.RegexSplitter("(a|aa)+(?=b)|.", TimeSpan.FromMilliseconds(50));
        Assert.False(splitter.IsLinear);
        var error = Assert.Throws<TimeoutException>(() => splitter.ChunkEnd(new string('a', 40) + "!", 0));
        Assert.Contains("split pattern '(a|aa)+(?=b)|.' took longer than 0.05 s to match at character 0", error.Message);
        Assert.True(new Nabla.Text.Splitting.RegexSplitter("(a+)+$|.").IsLinear);
    }

    [Theory]
    [InlineData(@"\p{L")]
    [InlineData(@"x|\p{L")]
    [InlineData(@"\P{")]
    [InlineData(@"[\p{L")]
    public void A_malformed_pattern_is_an_error_naming_it(string pattern)
    {
        var error = Assert.Throws<ArgumentException>(() => Patterns.Check(pattern));
        Assert.StartsWith($"split pattern '{pattern}' is not a valid .NET regular expression", error.Message);
    }
}
