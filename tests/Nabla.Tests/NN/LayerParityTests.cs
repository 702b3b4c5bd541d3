using Nabla.NN;
using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using TorchSharp;
using static TorchSharp.torch;
using TT = TorchSharp.torch.Tensor;
using Tensor = Nabla.Tensors.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Tests.NN;

/// <summary>Every layer's forward and backward against libtorch's functional form with the same weights, and
/// against finite differences.</summary>
public class LayerParityTests
{
    private static TT T(Tensor t) => TorchParity.ToTorch(t);

    [Fact]
    public void LinearMatchesLibtorch()
    {
        var g = new Generator(1);
        var layer = new Linear(5, 3, generator: g);
        Tensor x = Tensor.Randn([2, 4, 5], g).RequireGrad();
        TorchParity.Check(t => layer.Forward(t[0]), t => nn.functional.linear(t[0], t[1], t[2]), x, layer.Weight, layer.Bias!);
        GradCheck.Check(t => layer.Forward(t[0]), x, layer.Weight, layer.Bias!);

        var noBias = new Linear(5, 3, bias: false, generator: g);
        Assert.Single(noBias.Parameters());
        TorchParity.Check(t => noBias.Forward(t[0]), t => nn.functional.linear(t[0], t[1]), x, noBias.Weight);
        Assert.Contains("Linear(5 → 3): input [2,4] must end in 5", Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros(2, 4))).Message);
    }

    [Fact]
    public void LinearIsInitializedAsPyTorchDoes()
    {
        var layer = new Linear(400, 300, generator: new Generator(2));
        float bound = 1f / MathF.Sqrt(400);
        float[] w = layer.Weight.ToArray();
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.InRange(w.Select(v => (double)v * v).Average(), bound * bound / 3 * 0.97, bound * bound / 3 * 1.03); // U(−b, b) has variance b²/3
    }

    [Fact]
    public void EmbeddingMatchesLibtorch()
    {
        var g = new Generator(3);
        var layer = new Embedding(27, 4, g);
        Tensor ids = Tensor.FromArray([1, 5, 5, 26, 0, 1], 2, 3);
        TorchParity.Check(t => layer.Forward(t[1]), t => t[0][t[1]], layer.Weight, ids);
    }

    [Fact]
    public void LayerNormMatchesLibtorch()
    {
        var g = new Generator(4);
        var layer = new LayerNorm(6);
        Init.Normal(layer.Weight, 1f, 0.2f, g);
        Init.Normal(layer.Bias!, 0f, 0.2f, g);
        Tensor x = Tensor.Randn([3, 2, 6], g).RequireGrad();
        TorchParity.Check(t => layer.Forward(t[0]), t => nn.functional.layer_norm(t[0], [6], t[1], t[2]), x, layer.Weight, layer.Bias!);
        var noBias = new LayerNorm(6, bias: false);
        TorchParity.Check(t => noBias.Forward(t[0]), t => nn.functional.layer_norm(t[0], [6], t[1]), x, noBias.Weight);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BatchNormMatchesLibtorchInTrainingAndEvaluation(bool sequence)
    {
        // (B, C) as PyTorch's BatchNorm1d; (B, T, C) as the lectures', which PyTorch sees as (B, C, T).
        var g = new Generator(5);
        var layer = new BatchNorm1d(4, momentum: 0.2f);
        Init.Normal(layer.Weight, 1f, 0.3f, g);
        Init.Normal(layer.Bias, 0f, 0.3f, g);
        int[] shape = sequence ? [3, 5, 4] : [8, 4];
        using var scope = NewDisposeScope();
        TT runningMean = zeros(4), runningVar = ones(4);
        TT TorchBatchNorm(TT[] t, bool training)
        {
            TT input = sequence ? t[0].permute(0, 2, 1) : t[0];
            TT y = nn.functional.batch_norm(input, runningMean, runningVar, t[1], t[2], training, momentum: 0.2, eps: 1e-5);
            return sequence ? y.permute(0, 2, 1) : y;
        }

        for (int step = 0; step < 3; step++)
        {
            Tensor x = (Tensor.Randn(shape, g) * 2f + 0.5f).Detach().RequireGrad();
            TorchParity.Check(t => layer.Forward(t[0]), t => TorchBatchNorm(t, training: true), x, layer.Weight, layer.Bias);
        }
        TorchParity.AssertClose("running mean", layer.RunningMean, runningMean, 1e-5);
        TorchParity.AssertClose("running variance", layer.RunningVar, runningVar, 1e-5);

        layer.Eval();
        Tensor test = Tensor.Randn(shape, g).RequireGrad();
        TorchParity.Check(t => layer.Forward(t[0]), t => TorchBatchNorm(t, training: false), test, layer.Weight, layer.Bias);
        layer.Train();
        GradCheck.Check(t => layer.Forward(t[0]), Tensor.Randn(shape, g).RequireGrad(), layer.Weight, layer.Bias);
    }

    [Fact]
    public void FlattenConsecutiveFusesNeighboursAsTheLectureDoes()
    {
        Tensor x = Tensor.Arange(0f, 24f).Reshape(2, 4, 3).Detach().RequireGrad();
        var flatten = new FlattenConsecutive(2);
        TorchParity.Check(t => flatten.Forward(t[0]), t => t[0].view(2, 2, 6), x);
        Assert.Equal([2, 12], new FlattenConsecutive(4).Forward(x).Shape.ToArray());
        Assert.Throws<ArgumentException>(() => new FlattenConsecutive(3).Forward(x));
    }

    [Fact]
    public void ActivationsDropoutAndSequentialChain()
    {
        var g = new Generator(6);
        var model = new Sequential(new Linear(3, 8, generator: g), new Tanh(), new Linear(8, 8, generator: g), new Relu(),
            new Linear(8, 4, generator: g), new Gelu(GeluApproximation.Tanh), new Dropout(0.5f, g));
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"], model.NamedParameters().Select(p => p.Name));
        Tensor x = Tensor.Randn([5, 3], g);
        model.Eval();
        var l0 = (Linear)model[0]; var l2 = (Linear)model[2]; var l4 = (Linear)model[4];
        TorchParity.Check(t => model.Forward(t[0]),
            t => nn.functional.gelu(nn.functional.relu(nn.functional.linear(nn.functional.linear(t[0], t[1], t[2]).tanh(), t[3], t[4])).pipe(h => nn.functional.linear(h, t[5], t[6])), approximate: TorchSharp.Modules.GELU.Approximate.tanh),
            x, l0.Weight, l0.Bias!, l2.Weight, l2.Bias!, l4.Weight, l4.Bias!);

        float[] evaluated = model.Forward(x).ToArray();
        model.Train();
        float[] dropped = model.Forward(x).ToArray();
        Assert.Contains(0f, dropped);                                  // dropout zeroes in training...
        Assert.All(dropped.Zip(evaluated), d => Assert.True(d.First == 0f || Math.Abs(d.First - 2f * d.Second) < 1e-5f)); // ...and scales the rest by 1/(1 − p)
        Assert.Same(model, model.Eval());
        Assert.Equal(evaluated, model.Forward(x).ToArray());          // and is the identity in evaluation
    }
}

internal static class Pipe
{
    public static TT pipe(this TT t, Func<TT, TT> f) => f(t);
}
