using Nabla.Tests.Cli;
using Nabla.Text;

namespace Nabla.Tests.Text;

public class TokenizerCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nabla-cli-tok-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Encode_prints_the_ids_and_decode_gives_the_text_back()
    {
        var encoded = CliHarness.Run("tokenizer", "encode", "--encoding", "cl100k", "Hello world");
        Assert.Equal(0, encoded.ExitCode);
        Assert.Equal("9906 1917", encoded.Stdout.Trim());

        var decoded = CliHarness.Run("tokenizer", "decode", "--encoding", "cl100k", "9906", "1917");
        Assert.Equal(0, decoded.ExitCode);
        Assert.Equal("Hello world", decoded.Stdout.TrimEnd('\n', '\r'));
    }

    [Fact]
    public void Show_puts_each_id_beside_its_text()
    {
        var result = CliHarness.Run("tokenizer", "encode", "-e", "gpt2", "--show", "Hello world");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("15496  'Hello'", result.Stdout);
        Assert.Contains("  995  ' world'", result.Stdout);
    }

    [Fact]
    public void Special_tokens_need_allow_special()
    {
        var refused = CliHarness.Run("tokenizer", "encode", "-e", "gpt2", "a<|endoftext|>");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("special token '<|endoftext|>'", refused.Stderr);
        var allowed = CliHarness.Run("tokenizer", "encode", "-e", "gpt2", "--allow-special", "a<|endoftext|>");
        Assert.Equal("64 50256", allowed.Stdout.Trim());
    }

    [Fact]
    public void Train_writes_a_model_that_encode_and_decode_use()
    {
        string input = Path.Combine(_directory, "input.txt");
        File.WriteAllText(input, string.Concat(Enumerable.Repeat("the cat sat on the mat; the dog sat on the log.\n", 50)));
        string prefix = Path.Combine(_directory, "tok");
        var trained = CliHarness.Run("tokenizer", "train", "--input", input, "--vocab-size", "300", "--pattern", "gpt2", "--out", prefix);
        Assert.Equal(0, trained.ExitCode);
        Assert.Contains("wrote", trained.Stdout);
        Assert.True(File.Exists(prefix + ".model") && File.Exists(prefix + ".vocab"));

        var encoded = CliHarness.Run("tokenizer", "encode", "--encoding", prefix + ".model", "the cat sat");
        Assert.Equal(0, encoded.ExitCode);
        int[] ids = encoded.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        Assert.Equal(BpeTokenizer.Load(prefix + ".model").EncodeOrdinary("the cat sat"), ids);
        Assert.True(ids.Length < "the cat sat".Length);

        var decoded = CliHarness.Run(["tokenizer", "decode", "--encoding", prefix + ".model", .. ids.Select(i => i.ToString())]);
        Assert.Equal("the cat sat", decoded.Stdout.TrimEnd('\n', '\r'));
    }

    [Fact]
    public void Bad_inputs_give_one_line_and_an_exit_code()
    {
        var missing = CliHarness.Run("tokenizer", "train", "--input", Path.Combine(_directory, "none.txt"), "--vocab-size", "300", "--out", "x");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("none.txt", missing.Stderr);

        var small = CliHarness.Run("tokenizer", "train", "--input", "x", "--vocab-size", "100", "--out", "x");
        Assert.NotEqual(0, small.ExitCode);

        var unknown = CliHarness.Run("tokenizer", "encode", "--encoding", "gpt5", "hi");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("unknown encoding 'gpt5'", unknown.Stderr);

        var notAnId = CliHarness.Run("tokenizer", "decode", "--encoding", "gpt2", "12", "x");
        Assert.Equal(2, notAnId.ExitCode);
        Assert.Contains("'x'", notAnId.Stderr);
    }

    [Fact]
    public void Help_documents_every_option_with_its_default()
    {
        var help = CliHarness.Run("tokenizer", "train", "--help");
        foreach (string option in new[] { "--input", "--vocab-size", "--pattern", "--special", "--out" }) Assert.Contains(option, help.Stdout);
        Assert.Contains("[default: gpt4]", help.Stdout);
        var encodeHelp = CliHarness.Run("tokenizer", "encode", "--help");
        Assert.Contains("[default: gpt2]", encodeHelp.Stdout);
        Assert.Contains("--show", encodeHelp.Stdout);
    }
}
