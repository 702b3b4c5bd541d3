using System.Text;
using Nabla.Tests.Cli;

namespace Nabla.Tests.Text;

/// <summary>
/// The <c>nabla tokenizer</c> command on hostile input, each run as a child process under a memory cap and a
/// time limit: every run ends, in a result or in one line that names what was wrong, never in a hang, an
/// abort ("Out of memory.") or a stack trace, and never with data changed or lost without a word.
/// </summary>
public class HostileInputCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nabla-hostile-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, byte[] content)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string Write(string name, string content) => Write(name, Encoding.UTF8.GetBytes(content));

    private static ChildProcess.Result Nabla(params string[] args) => ChildProcess.Run(null, args);

    /// <summary>The run ended by itself with <paramref name="exitCode"/> and one printable line on stderr holding each of <paramref name="expected"/>.</summary>
    private static void AssertOneLine(ChildProcess.Result result, int exitCode, params string[] expected)
    {
        Assert.False(result.TimedOut, "the command did not end");
        Assert.True(exitCode == result.ExitCode, $"exit code {result.ExitCode}, expected {exitCode}; stderr: {result.Stderr}");
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("nabla: ", line);
        Assert.DoesNotContain(line, c => char.IsControl(c));
        foreach (string part in expected) Assert.Contains(part, line);
    }

    private (string Input, string Prefix) Trained(string text, string pattern, int vocabSize = 280)
    {
        string input = Write("input.txt", text);
        string prefix = Path.Combine(_directory, "tok");
        var trained = Nabla("tokenizer", "train", "-i", input, "--vocab-size", vocabSize.ToString(), "--pattern", pattern, "-o", prefix);
        Assert.True(trained.ExitCode == 0, trained.Stderr);
        return (input, prefix);
    }

    private static string RoundTrip(string model, string text)
    {
        var encoded = Nabla("tokenizer", "encode", "-e", model, text);
        Assert.True(encoded.ExitCode == 0, encoded.Stderr);
        var decoded = Nabla(["tokenizer", "decode", "-e", model, .. encoded.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);
        Assert.True(decoded.ExitCode == 0, decoded.Stderr);
        return decoded.Stdout.TrimEnd('\n');
    }

    [Theory]
    [InlineData(@"\p{L")]
    [InlineData(@"x|\p{L")]
    [InlineData(@"[a-")]
    public void An_unterminated_pattern_is_a_usage_error_naming_it(string pattern)
    {
        string input = Write("input.txt", "Hello world");
        var result = Nabla("tokenizer", "train", "-i", input, "--vocab-size", "260", "--pattern", pattern, "-o", Path.Combine(_directory, "t"));
        AssertOneLine(result, 2, $"split pattern '{pattern}' is not a valid .NET regular expression");
        Assert.False(File.Exists(Path.Combine(_directory, "t.model")));
    }

    [Fact]
    public void An_unterminated_pattern_in_a_model_file_names_the_file_and_line()
    {
        string model = Write("bad.model", "nabla-bpe v1\n\\p{L\n0\n97 98\n");
        AssertOneLine(Nabla("tokenizer", "encode", "-e", model, "ab"), 1, $"{model}:2:", @"'\p{L'");
    }

    [Fact]
    public void Nested_quantifiers_run_without_backtracking_and_round_trip()
    {
        string text = new string('a', 40) + "!";
        var (_, prefix) = Trained(text, "(a+)+$|.");
        Assert.Equal(text, RoundTrip(prefix + ".model", text));
    }

    [Fact]
    public void A_pattern_that_must_backtrack_times_out_naming_itself()
    {
        string input = Write("input.txt", new string('a', 40) + "!");
        var result = Nabla("tokenizer", "train", "-i", input, "--vocab-size", "260", "--pattern", "(a|aa)+(?=b)|.", "-o", Path.Combine(_directory, "t"));
        AssertOneLine(result, 1, "split pattern '(a|aa)+(?=b)|.' took longer than");
    }

    [Theory]
    [InlineData("[a-z]+")]
    [InlineData("x*")]
    [InlineData(@"\d")]
    public void Text_a_pattern_does_not_match_is_kept(string pattern)
    {
        const string text = "Hello, World! 123";
        var (input, prefix) = Trained(text + "\n" + text, pattern);
        Assert.Equal(text, RoundTrip(prefix + ".model", text));
        var again = Nabla("tokenizer", "train", "-i", input, "--vocab-size", "260", "--pattern", pattern, "-o", prefix);
        Assert.DoesNotContain("Infinity", again.Stdout);
        Assert.Contains("35 characters -> ", again.Stdout);
    }

    [Fact]
    public void Input_that_is_not_UTF8_is_refused_with_its_offset_unless_replacement_is_asked_for()
    {
        string input = Write("binary.txt", [(byte)'a', (byte)'b', 0xFF, 0xFE, (byte)'c']);
        string prefix = Path.Combine(_directory, "t");
        AssertOneLine(Nabla("tokenizer", "train", "-i", input, "--vocab-size", "260", "-o", prefix), 1,
            input, "not valid UTF-8: byte 0xFF at offset 2", "--replace-invalid");
        Assert.False(File.Exists(prefix + ".model"));

        var replaced = Nabla("tokenizer", "train", "-i", input, "--vocab-size", "260", "-o", prefix, "--replace-invalid");
        Assert.Equal(0, replaced.ExitCode);
        Assert.Contains("first invalid byte at offset 2); invalid bytes were read as U+FFFD", replaced.Stderr);

        AssertOneLine(ChildProcess.Run([0xFF, 0xFE], "tokenizer", "encode"), 1, "standard input is not valid UTF-8: byte 0xFF at offset 0");
        var encoded = ChildProcess.Run([0xFF, 0xFE], "tokenizer", "encode", "--replace-invalid");
        Assert.Equal(string.Join(' ', global::Nabla.Text.Encodings.Gpt2.EncodeOrdinary("\uFFFD\uFFFD")), encoded.Stdout.Trim());
        Assert.Contains("read as U+FFFD", encoded.Stderr);
    }

    [Fact]
    public void A_failed_train_leaves_an_earlier_model_as_it_was()
    {
        string input = Write("input.txt", "the cat sat on the mat");
        string prefix = Path.Combine(_directory, "tok");
        File.WriteAllText(prefix + ".model", "earlier");
        Directory.CreateDirectory(prefix + ".vocab");
        AssertOneLine(Nabla("tokenizer", "train", "-i", input, "--vocab-size", "260", "-o", prefix), 1, $"'{prefix}.vocab'", "directory");
        Assert.Equal("earlier", File.ReadAllText(prefix + ".model"));
        Assert.Equal(3, Directory.GetFileSystemEntries(_directory).Length);   // input, model, vocab folder: no temporary file
    }

    [Theory]
    [InlineData("", 2, "the output prefix is empty")]
    [InlineData("{dir}", 2, "is a directory")]
    [InlineData("/proc/nabla-no-such/tok", 1, "cannot create the output directory '/proc/nabla-no-such'")]
    public void Output_paths_are_checked_before_training(string prefix, int exitCode, string expected)
    {
        string input = Write("input.txt", "the cat sat on the mat");
        AssertOneLine(Nabla("tokenizer", "train", "-i", input, "--vocab-size", "260", "-o", prefix.Replace("{dir}", _directory)), exitCode, expected);
    }

    [Fact]
    public void A_line_break_in_a_special_token_or_pattern_is_refused_and_shown_escaped()
    {
        string input = Write("input.txt", "the cat");
        string prefix = Path.Combine(_directory, "t");
        AssertOneLine(Nabla("tokenizer", "train", "-i", input, "--vocab-size", "300", "--special", "a\nb", "-o", prefix), 2, @"special token 'a\nb' holds a line break");
        AssertOneLine(Nabla("tokenizer", "train", "-i", input, "--vocab-size", "300", "--pattern", "a\n|.", "-o", prefix), 2, @"split pattern 'a\n|.' holds a line break");
    }

    [Fact]
    public void A_model_of_chained_merges_is_refused_at_its_line_under_a_memory_cap()
    {
        // 100,000 merges, each onto the last: tokens of 2, 3, ... 100,001 bytes, 5 GB in all, from a 0.9 MB file.
        var model = new StringBuilder("nabla-bpe v1\n\n0\n97 97\n");
        for (int m = 1; m < 100_000; m++) model.Append(255 + m).Append(" 97\n");
        string path = Write("chain.model", model.ToString());
        AssertOneLine(Nabla("tokenizer", "encode", "-e", path, "a"), 1, $"{path}:", "more than a file of");
    }

    [Fact]
    public void Endless_inputs_are_refused_at_the_limit()
    {
        string prefix = Path.Combine(_directory, "t");
        AssertOneLine(Nabla("tokenizer", "train", "-i", "/dev/zero", "--vocab-size", "260", "-o", prefix), 1, "'/dev/zero' is larger than the limit of 268,435,456 bytes");
        AssertOneLine(Nabla("tokenizer", "encode", "-e", "/dev/zero"), 1, "tokenizer model '/dev/zero' is larger than the limit");
        AssertOneLine(ChildProcess.RunWithEndlessInput(new byte[1 << 20], "tokenizer", "decode"), 1, "standard input is larger than the limit");
    }

    [Fact]
    public void Option_values_have_upper_bounds_and_allocation_follows_the_data()
    {
        string input = Write("input.txt", "Hello, World!!");
        string prefix = Path.Combine(_directory, "t");
        AssertOneLine(Nabla("tokenizer", "train", "-i", input, "--vocab-size", "1000000000", "-o", prefix), 2, "--vocab-size 1000000000 is above the largest vocabulary, 2,097,152");
        var largest = Nabla("tokenizer", "train", "-i", input, "--vocab-size", "2097152", "-o", prefix);
        Assert.True(largest.ExitCode == 0, largest.Stderr);
        AssertOneLine(Nabla("micrograd", "--points", "2000000000"), 2, "--points must be at most 10,000");
        AssertOneLine(Nabla("micrograd", "--steps", "2000000000"), 2, "--steps must be at most 100,000");
    }

    [Theory]
    [InlineData("nabla-bpe v1\n\n2147483645\n", 4, "the file ends before the 2147483645 special tokens")]
    [InlineData("nabla-bpe v1\n\n1\n<|x|> 2147483647\n", 4, "special token id '2147483647' is not an integer in [0, 2097151]")]
    [InlineData("nabla-bpe v1\n\n1\n<|x|> -1\n", 4, "special token id '-1' is not an integer")]
    public void Model_files_with_numbers_out_of_range_name_the_file_and_line(string content, int line, string expected)
    {
        string path = Write("bad.model", content);
        AssertOneLine(Nabla("tokenizer", "encode", "-e", path, "a"), 1, $"{path}:{line}: {expected}");
    }

    [Fact]
    public void A_binary_model_file_is_not_echoed_raw()
    {
        string path = Write("binary.model", [0x7F, (byte)'E', (byte)'L', (byte)'F', 0x1B, (byte)'[', (byte)'2', (byte)'J', 0x00, 0x07, 0xFF, (byte)'\n', 1, 2]);
        AssertOneLine(Nabla("tokenizer", "encode", "-e", path, "a"), 1, $"{path}:1: expected 'nabla-bpe v1', found '\\u007fELF\\u001b[2J\\u0000\\u0007\uFFFD'");
    }

    [Fact]
    public void Special_token_text_names_the_option_that_allows_it()
    {
        AssertOneLine(Nabla("tokenizer", "encode", "a<|endoftext|>"), 1, "special token '<|endoftext|>' at character 1", "--allow-special");
    }

    [Theory]
    [InlineData("gpt2", "x", "token id 'x' (number 2) is not an integer")]
    [InlineData("gpt2", "50257", "token id 50257 (number 2) is not in the vocabulary of gpt2 (ids 0 to 50256)")]
    [InlineData("gpt2", "-1", "token id -1 (number 2) is not in the vocabulary")]
    [InlineData("cl100k", "100261", "token id 100261 (number 2) is not in the vocabulary of cl100k_base")]
    public void Bad_ids_are_usage_errors_of_one_kind(string encoding, string id, string expected)
    {
        AssertOneLine(Nabla("tokenizer", "decode", "-e", encoding, "12", id), 2, expected);
    }
}
