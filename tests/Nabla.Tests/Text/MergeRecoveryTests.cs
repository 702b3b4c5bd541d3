using Nabla.Tests.Support;
using Nabla.Text;

namespace Nabla.Tests.Text;

/// <summary>minbpe's GPT-4 path: merges recovered from the cl100k ranks, with the byte shuffle, reproduce cl100k.</summary>
public class MergeRecoveryTests
{
    private static readonly Lazy<BpeTokenizer> Recovered = new(() => RecoveredMerges.From(Encodings.Cl100kBase).ToTokenizer());

    [Fact]
    public void Recovered_merges_reproduce_cl100k_on_the_stress_corpus()
    {
        foreach (string text in StressCorpus.Texts())
            EncodingParityTests.AssertSameIds(Encodings.Cl100kBase.EncodeOrdinary(text), Recovered.Value.EncodeOrdinary(text),
                $"recovered cl100k on '{StressCorpus.Escaped(StressCorpus.Describe(text))}'");
    }

    [SkippableFact]
    public void Recovered_merges_reproduce_cl100k_on_tinyshakespeare()
    {
        string text = File.ReadAllText(TestData.Require("tinyshakespeare.txt"));
        EncodingParityTests.AssertSameIds(Encodings.Cl100kBase.EncodeOrdinary(text), Recovered.Value.EncodeOrdinary(text), "recovered cl100k");
    }

    [Fact]
    public void The_byte_shuffle_is_a_permutation_and_not_the_identity()
    {
        var recovered = RecoveredMerges.From(Encodings.Cl100kBase);
        Assert.Equal(Enumerable.Range(0, 256), recovered.ByteShuffle.Order());
        Assert.NotEqual(Enumerable.Range(0, 256), recovered.ByteShuffle);
        Assert.Equal(100256 - 256, recovered.Merges.Length);
        // The first merge of cl100k is two spaces.
        var (left, right) = recovered.Merges[0];
        Assert.Equal(" ", Encodings.Cl100kBase.Decode([left]));
        Assert.Equal(" ", Encodings.Cl100kBase.Decode([right]));
    }
}
