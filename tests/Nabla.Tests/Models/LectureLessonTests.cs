using System.Globalization;
using System.Text.RegularExpressions;
using Nabla.Tests.Support;

namespace Nabla.Tests.Models;

/// <summary>The MLP, BatchNorm and WaveNet lessons run as a reader runs them, and what they print and draw is checked.</summary>
public class LectureLessonTests
{
    [SkippableFact]
    public async Task MlpLessonFindsALearningRateTrainsAndDraws()
    {
        TestData.Require("names.txt");
        string[] pictures = ["out/03-mlp/lr-search.png", "out/03-mlp/embedding-2d.png"];
        DeletePictures(pictures);
        string output = await Lessons.RunToSuccessAsync("lessons/03-mlp.cs");

        Assert.Contains("train 25,626 names → X (182625, 3), dev 3,203 → (22655, 3), test 3,204 → (22866, 3)", output);
        Assert.Contains("C[5] = one_hot(5) @ C: True", output);
        Match byHand = Regex.Match(output, @"by hand (\d+\.\d+), CrossEntropy (\d+\.\d+)");
        Assert.True(byHand.Success, output);
        Assert.Equal(Number(byHand.Groups[1].Value), Number(byHand.Groups[2].Value), 3);
        // The search's lowest smoothed loss lies between 10^-1.5 and 10^-0.2, where the lecture reads its rate.
        Assert.InRange(Number(Regex.Match(output, @"lowest \d+\.\d+ near 10\^(-\d\.\d+)").Groups[1].Value), -1.5, -0.2);
        Assert.InRange(Number(Regex.Match(output, @"dev loss (\d\.\d+)\n").Groups[1].Value), 2.0, 2.3);
        AssertPictures(pictures);
    }

    [SkippableFact]
    public async Task BatchNormLessonShowsSaturationKaimingAndBatchNorm()
    {
        TestData.Require("names.txt");
        string[] pictures = ["out/04-batchnorm/tanh-saturation.png", "out/04-batchnorm/activations.png", "out/04-batchnorm/gradients.png"];
        DeletePictures(pictures);
        string output = await Lessons.RunToSuccessAsync("lessons/04-batchnorm.cs");

        // The lecture-2 output layer starts far above ln 27; the scaled one near it.
        Assert.True(Number(Regex.Match(output, @"N\(0, 1\) output layer:\s+(\d+\.\d+)").Groups[1].Value) > 10, output);
        Assert.InRange(Number(Regex.Match(output, @"W2 · 0\.01 and b2 = 0:\s+(\d+\.\d+)").Groups[1].Value), 3.2, 3.45);
        // Saturation: most units with N(0, 1) weights, few with Kaiming's.
        var saturated = Regex.Matches(output, @"\|h\| > 0\.99 for (\d+) %").Select(m => Number(m.Groups[1].Value)).ToArray();
        Assert.Equal(2, saturated.Length);
        Assert.True(saturated[0] > 40 && saturated[1] < 25, output);
        Assert.Contains("(x @ W/√10) std 1.0", output);
        // With BatchNorm every layer's activations have the same spread (the last block of five lines).
        double[] stds = Regex.Matches(output, @"layer \d \(Tanh\): mean\s+-?\d\.\d+, std (\d\.\d+)").Select(m => Number(m.Groups[1].Value)).ToArray();
        Assert.Equal(20, stds.Length);
        Assert.True(stds[0] > stds[4] + 0.2, "gain 1: the spread shrinks layer by layer");
        Assert.All(stds[15..], s => Assert.InRange(s, 0.55, 0.75));
        Assert.InRange(Number(Regex.Match(output, @"first loss (\d\.\d+)").Groups[1].Value), 3.2, 3.4);
        Assert.InRange(Number(Regex.Match(output, @"dev loss (\d\.\d+)\n").Groups[1].Value), 2.0, 2.35);
        AssertPictures(pictures);
    }

    [SkippableFact]
    public async Task WaveNetLessonPrintsTheLecturesShapesAndTrains()
    {
        TestData.Require("names.txt");
        string output = await Lessons.RunToSuccessAsync("lessons/06-wavenet.cs");

        Assert.Contains("2. the layers (76,579 parameters)", output);
        string[] shapes = Regex.Matches(output, @"^\s+(\w+)\s+: (\([\d, ]+\))$", RegexOptions.Multiline).Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value}").ToArray();
        Assert.Equal(
        [
            "input (4, 8)", "Embedding (4, 8, 24)",
            "FlattenConsecutive (4, 4, 48)", "Linear (4, 4, 128)", "BatchNorm1d (4, 4, 128)", "Tanh (4, 4, 128)",
            "FlattenConsecutive (4, 2, 256)", "Linear (4, 2, 128)", "BatchNorm1d (4, 2, 128)", "Tanh (4, 2, 128)",
            "FlattenConsecutive (4, 256)", "Linear (4, 128)", "BatchNorm1d (4, 128)", "Tanh (4, 128)",
            "Linear (4, 27)",
        ], shapes);
        Assert.Contains("(1, 4, 2) [0 1] [2 3] [4 5] [6 7]", output);
        Assert.Contains("(1, 2, 4) [0 1 2 3] [4 5 6 7]", output);
        Assert.Contains("running mean (128)", output);
        Assert.InRange(Number(Regex.Match(output, @"dev loss before (\d\.\d+)").Groups[1].Value), 3.2, 3.4);
        Assert.InRange(Number(Regex.Match(output, @"dev loss (\d\.\d+)\n").Groups[1].Value), 2.0, 2.35);
    }

    internal static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    internal static void DeletePictures(string[] pictures)
    {
        foreach (string picture in pictures)
        {
            string path = Path.Combine(Lessons.RepositoryRoot(), picture);
            if (File.Exists(path)) File.Delete(path);
        }
    }

    /// <summary>Each picture was written by this run and is a PNG of some substance.</summary>
    internal static void AssertPictures(string[] pictures)
    {
        foreach (string picture in pictures)
        {
            string path = Path.Combine(Lessons.RepositoryRoot(), picture);
            Assert.True(File.Exists(path), $"{picture} was not written");
            byte[] bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 10_000, $"{picture}: {bytes.Length} bytes");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
    }
}
