using Nabla.Text;

namespace Nabla.Tests.Text;

/// <summary>Broken .model and rank files give an error that names the file and the line.</summary>
public class MalformedFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nabla-text-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string content)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Theory]
    [InlineData("nabla-bpe v2\n\n0\n", 1, "expected 'nabla-bpe v1'")]
    [InlineData("nabla-bpe v1\n", 2, "truncated")]
    [InlineData("nabla-bpe v1\n\n2\n<|a|> 300\n", 5, "before the 2 special tokens")]
    [InlineData("nabla-bpe v1\n\nx\n", 3, "is not a non-negative integer")]
    [InlineData("nabla-bpe v1\n\n0\n97 98\n256 x\n", 5, "is not two non-negative integers")]
    [InlineData("nabla-bpe v1\n\n0\n97 98\n97\n", 5, "expected 'LEFT RIGHT'")]
    [InlineData("nabla-bpe v1\n\n0\n97 98\n257 97\n", 5, "out of range")]
    [InlineData("nabla-bpe v1\n\n0\n97 98\n97 98\n", 5, "appears twice")]
    [InlineData("nabla-bpe v1\n\n1\n<|a|> 100\n97 98\n", 4, "which an ordinary token has")]
    [InlineData("nabla-bpe v1\n(unclosed\n0\n97 98\n", 2, "not a valid .NET regular expression")]
    public void Malformed_model_file(string content, int line, string what)
    {
        string path = Write("bad.model", content);
        var error = Assert.Throws<FormatException>(() => BpeTokenizer.Load(path));
        Assert.Contains($"{path}:{line}:", error.Message);
        Assert.Contains(what, error.Message);
    }

    [Fact]
    public void Missing_model_file_names_it()
    {
        var error = Assert.Throws<FileNotFoundException>(() => BpeTokenizer.Load(Path.Combine(_directory, "none.model")));
        Assert.Contains("none.model", error.Message);
    }

    private static string RankFile(params string[] lines) => string.Join("\n", lines) + "\n";

    private static IEnumerable<string> AllBytes() => Enumerable.Range(0, 256).Select(b => $"{Convert.ToBase64String([(byte)b])} {b}");

    [Theory]
    [InlineData("YWI= 256\nYWI= 257", 258, "same bytes as the token of rank 256")]
    [InlineData("YWI= 256\nYWM= 256", 258, "rank 256 appears twice")]
    [InlineData("YWI= x", 257, "is not a non-negative integer")]
    [InlineData("@@@@ 256", 257, "is not base64")]
    [InlineData("YWI= 99999999", 257, "out of range")]
    [InlineData("YWI= 256 7", 257, "expected 'BASE64 RANK'")]
    [InlineData("YWI", 257, "is not base64")]                      // a truncated last line
    public void Malformed_rank_file(string tail, int line, string what)
    {
        string path = Write("bad.tiktoken", RankFile([.. AllBytes(), .. tail.Split('\n')]));
        var error = Assert.Throws<FormatException>(() => TiktokenFile.Load(path, Patterns.Gpt2, null));
        Assert.Contains(what, error.Message);
        Assert.Contains($"{path}:{line}:", error.Message);
    }

    [Fact]
    public void Rank_file_without_every_byte_or_empty_is_an_error()
    {
        string path = Write("partial.tiktoken", RankFile([.. AllBytes().Take(200)]));
        Assert.Contains("no token for the single byte 0xC8", Assert.Throws<FormatException>(() => TiktokenFile.Load(path, null, null)).Message);
        path = Write("empty.tiktoken", "");
        Assert.Contains("empty.tiktoken: no tokens", Assert.Throws<FormatException>(() => TiktokenFile.Load(path, null, null)).Message);
    }

    [Fact]
    public void A_valid_rank_file_loads_and_merges_by_rank()
    {
        string path = Write("tiny.tiktoken", RankFile([.. AllBytes(), "YWI= 256", "YWJj 257"]));  // "ab", "abc"
        var tokenizer = TiktokenFile.Load(path, null, null);
        Assert.Equal([257, 100], tokenizer.EncodeOrdinary("abcd"));
    }
}
