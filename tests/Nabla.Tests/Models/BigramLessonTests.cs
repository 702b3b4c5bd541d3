using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;
using Nabla.Tests.Support;

namespace Nabla.Tests.Models;

/// <summary>The bigram and backprop-by-hand lessons run as a reader runs them; each checks itself against the library and exits
/// non-zero on a mismatch, and these tests read the numbers they print.</summary>
public partial class BigramLessonTests
{
    [SkippableFact]
    public async Task BigramLessonPrintsTheLecturesNllAndDrawsTheCountTable()
    {
        TestData.Require("names.txt");
        string png = Path.Combine(Lessons.RepositoryRoot(), "out", "02-bigram-counts.png");
        File.Delete(png);

        string output = await Lessons.RunToSuccessAsync("lessons/02-bigram.cs");

        Assert.Contains("228,146 bigrams", output);
        Assert.Contains("smoothing 1: log likelihood -560001.88, nll = 2.4546", output);
        Assert.Contains("smoothing 0: log likelihood -559873.59, nll = 2.4540", output);
        Assert.Contains("every check passed", output);
        // Gradient descent lowers the loss from a random W's towards the counts' 2.45.
        float[] losses = StepLoss().Matches(output).Select(m => float.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.True(losses.Length >= 2 && losses[0] > 3.5f && losses[^1] < 2.55f && losses[^1] > 2.454f, $"losses: {string.Join(", ", losses)}");

        // A PNG: the eight-byte signature, then the IHDR chunk with the picture's size.
        byte[] bytes = File.ReadAllBytes(png);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(1600, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(1600, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
        Assert.True(bytes.Length > 50_000, $"a 27×27 labelled table is more than a blank picture ({bytes.Length} bytes)");
    }

    [SkippableFact]
    public async Task BackpropByHandLessonMatchesAutogradAtEveryStep()
    {
        TestData.Require("names.txt");
        string output = await Lessons.RunToSuccessAsync("lessons/05-backprop-by-hand.cs");

        var comparisons = Comparison().Matches(output).Select(m => (
            Name: m.Groups[1].Value,
            Approximate: bool.Parse(m.Groups[3].Value),
            MaxDiff: double.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture))).ToList();
        // Exercise 1: 26 tensors, from logprobs back to C; exercise 2: logits; exercise 3: hprebn.
        Assert.Equal(28, comparisons.Count);
        string[] expected = ["logprobs", "probs", "counts_sum_inv", "counts_sum", "counts", "norm_logits", "logit_maxes", "logits",
            "h", "W2", "b2", "hpreact", "bngain", "bnraw", "bnbias", "bnvar_inv", "bnvar", "bndiff2", "bndiff", "bnmeani", "hprebn",
            "embcat", "W1", "b1", "emb", "C", "logits", "hprebn"];
        Assert.Equal(expected, comparisons.Select(c => c.Name));
        foreach (var c in comparisons)
        {
            Assert.True(c.Approximate, $"{c.Name}: the hand gradient is not close to autograd's");
            Assert.True(c.MaxDiff <= 1e-7, $"{c.Name}: max difference {c.MaxDiff}");
        }
        Assert.Contains("every gradient by hand matched autograd's", output);
    }

    [GeneratedRegex(@"^\s*(\w+)\s+\| exact: (True|False)\s*\| approximate: (True|False)\s*\| maxdiff: (\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Comparison();

    [GeneratedRegex(@"step +\d+: loss (\d+\.\d+)")]
    private static partial Regex StepLoss();
}
