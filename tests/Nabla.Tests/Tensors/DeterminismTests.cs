using Nabla.Tensors;

namespace Nabla.Tests.Tensors;

/// <summary>The same seed (and thread count) gives bit-identical tensors and gradients, run after run.</summary>
public class DeterminismTests
{
    private static (float[] Loss, float[][] Grads) TrainStep(ulong seed)
    {
        var g = new Generator(seed);
        // Big enough that the kernels take their multi-threaded paths.
        Tensor x = Tensor.Randn([256, 96], g);
        Tensor w1 = (Tensor.Randn([96, 128], g) * 0.1f).Detach().RequireGrad();
        Tensor b1 = Tensor.Zeros(128).RequireGrad();
        Tensor w2 = (Tensor.Randn([128, 10], g) * 0.1f).Detach().RequireGrad();
        Tensor noise = Tensor.Rand([256, 128], g);
        Tensor h = (x.MatMul(w1) + b1).Relu() * noise;
        Tensor loss = (h.MatMul(w2).Tanh() - 0.5f).Pow(2f).Mean();
        loss.Backward();
        return (loss.ToArray(), [w1.Grad!.ToArray(), b1.Grad!.ToArray(), w2.Grad!.ToArray()]);
    }

    [Fact]
    public void SameSeedSameLossAndGradients()
    {
        var first = TrainStep(99);
        var second = TrainStep(99);
        Assert.Equal(first.Loss, second.Loss);
        for (int i = 0; i < first.Grads.Length; i++) Assert.Equal(first.Grads[i], second.Grads[i]);
        var other = TrainStep(100);
        Assert.NotEqual(first.Loss, other.Loss);
    }

    [Fact]
    public void GeneratorSequenceIsFixedAcrossVersions()
    {
        // Pinned values: a change of algorithm (which would silently change every seeded run) fails here.
        var g = new Generator(1);
        Assert.Equal(0xb3f2af6d0fc710c5UL, g.NextUInt64());
        Assert.Equal(0x853b559647364ceaUL, g.NextUInt64());
    }

    // The two values above come from an independent transcription of the reference algorithms
    // (SplitMix64 filling the state from seed 1, then xoshiro256**), not from this implementation.
}
