using Nabla.Benchmarks;

namespace Nabla.Tests.Cli;

/// <summary>The benchmark program's one table, on rows made up here (no benchmark runs): the ratio's
/// direction, the goal, a missing peer, aligned text and markdown.</summary>
public sealed class BenchTableTests
{
    private static readonly BenchRow[] Rows =
    [
        BenchRow.Rate("gemm square 1024", 180.26, "libtorch", 150.0, "GFLOP/s", goal: 1.0),
        BenchRow.Time("ops softmax fwd 768x128", 50.0, "libtorch", 75.0, "µs"),
        BenchRow.Time("train MLP", 0.5, "TorchSharp", 0.6, "ms/step", goal: 2.0),
        BenchRow.Rate("tokenizer gpt2 multilingual", 42.0, "ML.Tokenizers", null, "MB/s", goal: 1.5),
    ];

    private static readonly string[] Missing = ["Microsoft.ML.Tokenizers not run (no vocabulary): restore its packages to include it."];

    [Fact]
    public void RatiosReadAboveOneWhenNablaIsFasterForRatesAndTimesAlike()
    {
        Assert.Equal(180.26 / 150.0, Rows[0].Ratio!.Value, 12);
        Assert.Equal(75.0 / 50.0, Rows[1].Ratio!.Value, 12);
        Assert.Equal(0.6 / 0.5, Rows[2].Ratio!.Value, 12);
        Assert.Null(Rows[3].Ratio);
    }

    [Fact]
    public void TextIsOneAlignedLinePerRowWithAHeaderRuleAndTheMissingPeers()
    {
        string[] lines = BenchTable.Text(Rows, Missing).TrimEnd('\n').Split('\n');

        Assert.Equal(2 + Rows.Length + Missing.Length, lines.Length);
        Assert.StartsWith("workload", lines[0]);
        Assert.Matches("^-+( +-+){5}$", lines[1]);
        Assert.Equal(Missing[0], lines[^1]);
        // Every column starts where the header's rule says it does: the Nabla figures end at the same place.
        int nablaEnd = lines[1].IndexOf(' ', lines[1].IndexOf(' ') + 2);
        for (int r = 2; r < 2 + Rows.Length; r++) Assert.Equal(' ', lines[r][nablaEnd]);
        Assert.Contains("180.3 GFLOP/s", lines[2]);
        Assert.Contains("1.20x", lines[2]);
        Assert.Contains("≥ 1.00x met", lines[2]);
        Assert.Contains("1.50x", lines[3]);
        Assert.EndsWith("1.50x", lines[3]);                                     // no goal: the goal column is empty
        Assert.Contains("≥ 2.00x not met", lines[4]);
        Assert.Contains("42.00 MB/s", lines[5]);
        Assert.Equal(2, lines[5].Split('—').Length - 1);                       // no peer: no figure, no ratio
        Assert.DoesNotContain("met", lines[5]);
    }

    [Fact]
    public void MarkdownIsTheSameTableUnderItsCaption()
    {
        string markdown = BenchTable.Markdown(Rows, Missing, "`nabla bench`: caption");
        string[] lines = markdown.Split('\n');

        Assert.Equal("`nabla bench`: caption", lines[0]);
        Assert.Equal("", lines[1]);
        Assert.Equal("| workload | Nabla | peer | peer value | ratio | goal |", lines[2]);
        Assert.Equal("|---|---:|---|---:|---:|---:|", lines[3]);
        Assert.Equal("| gemm square 1024 | 180.3 GFLOP/s | libtorch | 150.0 GFLOP/s | 1.20x | ≥ 1.00x met |", lines[4]);
        Assert.Equal("| ops softmax fwd 768x128 | 50.00 µs | libtorch | 75.00 µs | 1.50x |  |", lines[5]);
        Assert.Equal("| train MLP | 0.500 ms/step | TorchSharp | 0.600 ms/step | 1.20x | ≥ 2.00x not met |", lines[6]);
        Assert.Equal("| tokenizer gpt2 multilingual | 42.00 MB/s | ML.Tokenizers | — | — | ≥ 1.50x |", lines[7]);
        Assert.Contains(Missing[0], markdown);
    }

    [Fact]
    public void APipeInAWorkloadDoesNotSplitItsMarkdownCell()
    {
        string markdown = BenchTable.Markdown([BenchRow.Time("a|b", 1, "libtorch", 2, "ms")], [], "c");
        Assert.Contains("| a\\|b | 1.00 ms |", markdown);
    }
}
