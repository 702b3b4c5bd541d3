using Nabla.Models;
using Nabla.Tensors;

namespace Nabla.Tests.Models;

/// <summary>Drawing a token reuses the sampler's buffers: nothing is allocated per token, whatever the options.</summary>
public class TokenSamplerTests
{
    [Fact]
    public void DrawingATokenAllocatesNothing()
    {
        var random = new Random(4);
        float[] logits = Enumerable.Range(0, 1000).Select(_ => (float)random.NextDouble() * 4f).ToArray();
        var generator = new Generator(9);
        SamplingOptions[] all = [new(Temperature: 0f), new(), new(TopK: 20), new(TopP: 0.5f), new(Temperature: 0.8f, TopK: 50, TopP: 0.9f)];
        foreach (SamplingOptions options in all) TokenSampler.Pick(logits, options, generator);   // the buffers are made
        long before = GC.GetAllocatedBytesForCurrentThread();
        int sum = 0;
        foreach (SamplingOptions options in all) sum += TokenSampler.Pick(logits, options, generator);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.InRange(sum, 0, 5 * 999);
    }
}
