using System.Text.RegularExpressions;
using Nabla.Tests.Support;
using static Nabla.Tests.Models.LectureLessonTests;

namespace Nabla.Tests.Models;

/// <summary>The "let's build GPT" lesson runs as a reader runs it, and what it prints is checked.</summary>
public class GptLessonTests
{
    [SkippableFact]
    public async Task GptLessonShowsTheAveragingTrickAttentionAndTrainsBelowTheBigram()
    {
        TestData.Require("tinyshakespeare.txt");
        string output = await Lessons.RunToSuccessAsync("lessons/07-gpt.cs");

        Assert.Contains("1,115,394 characters, vocabulary of 65", output);
        Assert.Contains("train 1,003,854 tokens, val 111,540", output);
        Assert.Contains("decoded back: \"hii there\"", output);
        // The bigram table starts near a uniform guess and learns what one character of context allows.
        Assert.InRange(Number(Regex.Match(output, @"before training: loss (\d\.\d+)").Groups[1].Value), 4.0, 4.4);
        double bigram = Number(Regex.Match(output, @"bigram val loss (\d\.\d+)").Groups[1].Value);
        Assert.InRange(bigram, 2.4, 2.6);

        Assert.Contains("the three ways agree: True", output);
        Assert.Contains("row 3: [0.25 0.25 0.25 0.25 0.00 0.00 0.00 0.00]", output);
        Assert.Matches(@"by hand vs CausalSelfAttention: largest difference \S+, equal: True", output);
        Assert.Matches(@"LayerNorm of one token's vector: mean -?0\.000, std 1\.000", output);

        // The GPT starts at ln 65 and ends clearly below the bigram, which sees one character only.
        Assert.InRange(Number(Regex.Match(output, @"step    0: train loss (\d\.\d+)").Groups[1].Value), 4.0, 4.4);
        double gpt = Number(Regex.Match(output, @"final val loss (\d\.\d+)").Groups[1].Value);
        Assert.True(gpt < 2.2 && gpt < bigram - 0.25, $"val loss {gpt}, bigram {bigram}\n{output}");

        Match sample = Regex.Match(output, @"\n---\n(.*)\n---\n", RegexOptions.Singleline);
        Assert.True(sample.Success, output);
        Assert.True(sample.Groups[1].Value.Length >= 290, sample.Groups[1].Value);
        Assert.Contains(' ', sample.Groups[1].Value);
    }
}
